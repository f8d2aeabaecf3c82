import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The `receipt-sms` bin as `npx receipt-sms` runs it: a plain `node` process on cli/bin.mjs, which
 * builds the TypeScript sources into .build/cli/ when they changed and runs them.
 */
const ROOT = join(__dirname, '..', '..', '..');

function receiptSms(...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'cli', 'bin.mjs'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('the receipt-sms bin', () => {
  it('is the bin of the cli workspace, which npm links into node_modules/.bin for npx', () => {
    const workspaces = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces?: string[] }
    ).workspaces;
    const cli = JSON.parse(readFileSync(join(ROOT, 'cli', 'package.json'), 'utf8')) as {
      name?: string;
      bin?: Record<string, string>;
    };

    expect(workspaces).toContain('cli');
    expect(cli).toMatchObject({ name: 'receipt-sms', bin: { 'receipt-sms': 'bin.mjs' } });
    expect(realpathSync(join(ROOT, 'node_modules', '.bin', 'receipt-sms'))).toBe(
      realpathSync(join(ROOT, 'cli', 'bin.mjs')),
    );
  });

  it('builds itself from the TypeScript sources and prints help', () => {
    const { code, out, err } = receiptSms('--help');

    expect(code).toBe(0);
    expect(out).toContain('Usage: receipt-sms <command>');
    expect(err).toBe('');
    expect(existsSync(join(ROOT, '.build', 'cli', 'receipt-sms.cjs'))).toBe(true);
  });

  it('exits 2 for a usage error and 3 when the local stack is not running, without SDK noise', () => {
    const usage = receiptSms('list');
    const down = receiptSms('list', '--local', '--stack-file', join(ROOT, '.build', 'no-such-stack.json'));

    expect(usage.code).toBe(2);
    expect(usage.err).toContain('Say where to look');
    expect(down.code).toBe(3);
    expect(down.err).toContain('The local stack is not running');
    expect(down.err).not.toContain('NodeVersionSupportWarning');
  });
});
