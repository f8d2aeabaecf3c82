/**
 * The process around the CLI, passed in so tests can run `main` in-process with captured output, a
 * scripted stdin and a fixed clock.
 */
export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  hasColors?(): boolean;
}

export interface InputStream extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly stdin: InputStream;
  readonly now: () => Date;
  /**
   * Ends a command that runs until stopped (`console`). The launcher leaves it unset: Ctrl-C ends the
   * process. Tests abort it to stop the command in-process.
   */
  readonly signal?: AbortSignal;
  /** The repository root, where `.local/stack.json` lives. */
  readonly projectRoot: string;
}
