// Runs dynalite (the DynamoDB emulator) in a child process of the local stack, bound to 127.0.0.1. DynamoDB
// calls are the busiest local traffic, and dynalite is plain JavaScript: in its own process it runs on
// another core instead of competing with the Lambda handlers for the stack's event loop. It reports its port
// over IPC and exits when its parent goes away.
import dynalite from 'dynalite';

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});

// The stack's benchmark asks what the emulator cost.
process.on('message', (message) => {
  if (message === 'cpuUsage') process.send?.({ cpuUsage: process.cpuUsage() });
});

const shutdown = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
};
process.on('disconnect', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
