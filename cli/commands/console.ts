import type { Command } from '../command-context';
import { writeJson } from '../command-context';
import { parsePort } from '../command-line';
import { openBrowser } from '../console/open-browser';
import { startConsoleServer } from '../console/server';
import { UsageError } from '../errors';
import { EXIT_CODES } from '../exit-codes';

/** Resolves when `signal` aborts; never, without one (Ctrl-C then ends the process). */
function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** `console`: the same answers as the other commands, as read-only web pages on 127.0.0.1. */
export const consoleCommand: Command = {
  spec: {
    path: ['console'],
    usage: 'console [--port <n>] [--open]',
    activity: 'serving the console',
    summary: 'Serve the same answers as web pages on this computer (read-only)',
    description:
      'Starts a read-only web console on http://127.0.0.1 for people who prefer a browser: search by\n' +
      "delivery id, Sinch message id or phone number, recent deliveries with filters, one delivery's\n" +
      'timeline, and the parked receipts. It reads with your own AWS credentials through the same\n' +
      'readers as the other commands: nothing is deployed and nothing leaves this computer. The printed\n' +
      'address holds a random access token for this run; every request must carry it. Ctrl-C stops it.\n' +
      'Redrive stays in the terminal (`receipt-sms dlq redrive`), which asks first.',
    positionals: [],
    options: [
      { name: 'port', value: '<n>', help: 'listen on this port of 127.0.0.1 (default: a free port)' },
      { name: 'open', help: 'also open the address in the default browser' },
    ],
    examples: [
      'receipt-sms console --stage prod',
      'receipt-sms console --local --open',
      'receipt-sms console --stage prod --port 8123',
    ],
  },

  async run(context) {
    const { io, line } = context;
    const port = parsePort(line.values.port);
    let server;
    try {
      server = await startConsoleServer({
        services: context.services,
        target: context.target,
        port,
        now: io.now,
        redriveCommand: `receipt-sms dlq redrive ${context.targetFlags}`,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new UsageError(
          `Port ${port} of 127.0.0.1 is already in use.`,
          'Choose another with --port, or leave --port out to get a free one.',
        );
      }
      throw error;
    }
    try {
      if (line.json) writeJson(context, { url: server.url });
      else {
        io.stdout.write(
          `receipt-sms console for ${context.target.label} (read-only)\n\n` +
            `  ${server.url}\n\n` +
            'The address holds the access token of this run: keep it to yourself. Ctrl-C stops the console.\n',
        );
      }
      if (line.values.open) {
        openBrowser(server.url, (error) =>
          io.stderr.write(
            `receipt-sms: could not open a browser (${error.message}); open the address above.\n`,
          ),
        );
      }
      await untilStopped(io.signal);
    } finally {
      await server.close();
    }
    return EXIT_CODES.ok;
  },
};
