import { browserCommand } from '../../../../cli/console/open-browser';

describe('browserCommand', () => {
  const url = 'http://127.0.0.1:8123/t/token/';

  it.each([
    ['linux', 'xdg-open', [url]],
    ['darwin', 'open', [url]],
    ['win32', 'cmd', ['/c', 'start', '""', url]],
  ] as const)(
    'opens the default browser on %s with the address as one argument',
    (platform, command, args) => {
      expect(browserCommand(platform, url)).toEqual({ command, args });
    },
  );
});
