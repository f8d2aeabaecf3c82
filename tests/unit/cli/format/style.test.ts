import { columns, createStyle, visibleWidth, wantsColor } from '../../../../cli/format/style';

describe('wantsColor', () => {
  const terminal = { isTTY: true, hasColors: () => true };

  it('colours a colour-capable terminal only', () => {
    expect(wantsColor(terminal, false)).toBe(true);
    expect(wantsColor({ isTTY: false, hasColors: () => true }, false)).toBe(false);
    expect(wantsColor({ isTTY: true, hasColors: () => false }, false)).toBe(false);
    expect(wantsColor({}, false)).toBe(false);
  });

  it('turns colour off for --no-color', () => {
    expect(wantsColor(terminal, true)).toBe(false);
  });
});

describe('createStyle', () => {
  it('leaves text unchanged when disabled', () => {
    expect(createStyle(false).bad('FAILED')).toBe('FAILED');
  });

  it('adds ANSI codes when enabled, which visibleWidth ignores', () => {
    const painted = createStyle(true).bad('FAILED');

    expect(painted).toBe('\u001b[31mFAILED\u001b[39m');
    expect(visibleWidth(painted)).toBe(6);
  });
});

describe('columns', () => {
  it('aligns by visible width and leaves the last column unpadded', () => {
    const style = createStyle(true);

    const text = columns([
      ['a', style.good('bb'), 'x'],
      ['ccc', 'd', 'yy'],
    ]);

    expect(text.replaceAll('\u001b[32m', '').replaceAll('\u001b[39m', '')).toBe('a    bb  x\nccc  d   yy');
  });
});
