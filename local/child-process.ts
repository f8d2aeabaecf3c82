import { fork } from 'node:child_process';

/**
 * An emulator in a child process: started with the port to listen on, it answers with the port it got over
 * IPC, and exits when its parent disconnects (so a stack that is killed leaves nothing running).
 */
export interface ChildServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** The CPU time the child has used so far (it answers over IPC). */
  cpuUsage(): Promise<NodeJS.CpuUsage>;
  stop(): Promise<void>;
}

export async function startChildServer(
  script: string,
  options: { port?: number; cwd: string; name: string },
): Promise<ChildServer> {
  const child = fork(script, [String(options.port ?? 0)], {
    cwd: options.cwd,
    // Not the parent's flags (Jest's, --inspect …): this is a plain Node process.
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`${options.name} exited with code ${code} before it was ready`)),
    );
  });
  child.removeAllListeners('exit');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cpuUsage: () =>
      new Promise<NodeJS.CpuUsage>((resolve, reject) => {
        const onMessage = (message: unknown) => {
          const usage = (message as { cpuUsage?: NodeJS.CpuUsage }).cpuUsage;
          if (!usage) return;
          child.off('message', onMessage);
          resolve(usage);
        };
        child.on('message', onMessage);
        if (!child.connected) reject(new Error(`${options.name} is not running`));
        else child.send('cpuUsage');
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}
