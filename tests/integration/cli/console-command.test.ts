import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { EXIT_CODES } from '../../../cli/exit-codes';
import { main, type MainDependencies } from '../../../cli/receipt-sms';
import { aDeliveryRecord } from '../../builders/delivery-history';
import { aCapturedIo, aFakeTarget, PROD_OUTPUTS } from '../../unit/cli/support/fake-cli';

/**
 * `receipt-sms console` as a process runs it: parsed by `main`, listening on a real socket of
 * 127.0.0.1, answering over HTTP, and stopped by its signal.
 */

function depsFor(target: ReturnType<typeof aFakeTarget>): MainDependencies {
  return {
    connect: () => target.services,
    fetchStackOutputs: async (_stackName, _stage, region) => ({
      outputs: PROD_OUTPUTS,
      region: region ?? 'eu-west-1',
    }),
  };
}

async function waitFor<T>(probe: () => T | undefined): Promise<T> {
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('receipt-sms console', () => {
  it('serves the console on 127.0.0.1 until stopped, printing the address with its token', async () => {
    // Prepare
    const target = aFakeTarget({ deliveries: [{ delivery: aDeliveryRecord(), attempts: [] }] });
    const stop = new AbortController();
    const io = { ...aCapturedIo(), signal: stop.signal };

    // Act
    const running = main(['console', '--stage', 'prod'], io, depsFor(target));
    const url = await waitFor(() => /http:\/\/127\.0\.0\.1:\d+\/t\/[\w-]{43}\//.exec(io.out())?.[0]);
    const page = await fetch(`${url}deliveries/d-otp-1`);
    const html = await page.text();
    const withoutToken = await fetch(new URL('/deliveries/d-otp-1', url));
    const head = await fetch(`${url}deliveries/d-otp-1`, { method: 'HEAD' });
    stop.abort();
    const code = await running;

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(io.out()).toContain('receipt-sms console for stage prod (eu-west-1) (read-only)');
    expect(page.status).toBe(200);
    expect(html).toContain('+46*****4567');
    expect(withoutToken.status).toBe(401);
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength(html));
    await expect(head.text()).resolves.toBe('');
    await expect(fetch(url)).rejects.toThrow();
    expect(target.state.closed).toBe(true);
  });

  it('prints the address as JSON with --json', async () => {
    const stop = new AbortController();
    const io = { ...aCapturedIo(), signal: stop.signal };

    const target = aFakeTarget();
    const served = main(['console', '--stage', 'prod', '--json'], io, depsFor(target));
    const url = await waitFor(() => {
      try {
        return (JSON.parse(io.out()) as { url: string }).url;
      } catch {
        return undefined;
      }
    });
    stop.abort();

    expect(await served).toBe(EXIT_CODES.ok);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/t\/[\w-]{43}\/$/);
  });

  it('says a taken port is in use, as a usage error', async () => {
    // Prepare
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const io = aCapturedIo();

    // Act
    const code = await main(
      ['console', '--stage', 'prod', '--port', String(port)],
      io,
      depsFor(aFakeTarget()),
    );
    blocker.close();

    // Assess
    expect(code).toBe(EXIT_CODES.usage);
    expect(io.err()).toContain(`Port ${port} of 127.0.0.1 is already in use.`);
  });

  it('rejects a port that is not one', async () => {
    const io = aCapturedIo();

    const code = await main(['console', '--stage', 'prod', '--port', '70000'], io, depsFor(aFakeTarget()));

    expect(code).toBe(EXIT_CODES.usage);
    expect(io.err()).toContain('--port must be a whole number from 1 to 65535');
  });
});
