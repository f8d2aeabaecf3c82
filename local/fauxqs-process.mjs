// Runs fauxqs (the SQS emulator) in a child process of the local stack. fauxqs ships as ES modules only,
// which the stack's CommonJS code (and Jest without --experimental-vm-modules) cannot import, so it gets its
// own process; it binds 127.0.0.1 only, reports its port over IPC and exits when its parent goes away.
import { buildApp } from 'fauxqs';

const app = buildApp({ logger: false });
await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
const address = app.server.address();
process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });

// The stack's benchmark asks what the emulator cost.
process.on('message', (message) => {
  if (message === 'cpuUsage') process.send?.({ cpuUsage: process.cpuUsage() });
});

const shutdown = () => {
  app.close().finally(() => process.exit(0));
};
process.on('disconnect', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
