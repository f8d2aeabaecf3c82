import { spawn } from 'node:child_process';

/**
 * The program that opens a URL in the default browser on each platform, with the URL as a separate
 * argument (no shell, so nothing in it is interpreted).
 *
 * @example
 * browserCommand('linux', 'http://127.0.0.1:8123/t/abc/'); // { command: 'xdg-open', args: ['http://127.0.0.1:8123/t/abc/'] }
 */
export function browserCommand(platform: NodeJS.Platform, url: string): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // `start` is a cmd built-in; its first quoted argument is the window title, hence the empty one.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url] };
  return { command: 'xdg-open', args: [url] };
}

/** Opens `url` in the default browser, without waiting for it; reports failure through `onError`. */
export function openBrowser(url: string, onError: (error: Error) => void): void {
  const { command, args } = browserCommand(process.platform, url);
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.once('error', onError);
  child.unref();
}
