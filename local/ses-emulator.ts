import startSesServer from 'aws-ses-v2-local';
import { closeServer } from './http-server';
import type { AddressInfo } from 'node:net';

/**
 * aws-ses-v2-local, the SES emulator (real SES v1 and v2 APIs), on 127.0.0.1. Its root page is a live
 * inbox of every email sent, and `GET /store` returns them as JSON.
 */
export interface SesEmulator {
  /** For `AWS_ENDPOINT_URL_SES` or a client's `endpoint`; also the mail web view. */
  readonly endpoint: string;
  /** Every email sent so far. */
  emails(): Promise<SentEmail[]>;
  stop(): Promise<void>;
}

export interface SentEmail {
  readonly messageId: string;
  readonly from: string;
  readonly destination: { readonly to: string[] };
  readonly subject: string;
  readonly body: { readonly text?: string; readonly html?: string };
  /** Epoch seconds. */
  readonly at: number;
}

export async function startSesEmulator(options: { port?: number } = {}): Promise<SesEmulator> {
  const server = await startSesServer({ host: '127.0.0.1', port: options.port ?? 0 });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The emulator keeps one mailbox in module state for every server in the process, so clearing it here
  // would empty the mailbox of any other stack running in the same process (tests run several at once).
  // Each stack reads only what was sent since it started instead.
  const since = Math.floor(Date.now() / 1000);
  return {
    endpoint,
    emails: async () =>
      ((await (await fetch(`${endpoint}/store?since=${since}`)).json()) as { emails: SentEmail[] }).emails,
    stop: () => closeServer(server),
  };
}
