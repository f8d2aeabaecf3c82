import {
  CONTENT_SECURITY_POLICY,
  createToken,
  isAllowedHost,
  isSameOriginPost,
  tokenMatches,
} from '../../../../cli/console/security';

describe('console security', () => {
  it('draws a fresh URL-safe token of 256 bits each time', () => {
    const tokens = new Set(Array.from({ length: 50 }, createToken));

    expect(tokens.size).toBe(50);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
  });

  it('accepts exactly the token: not a prefix, a longer value, another case or nothing', () => {
    const token = createToken();

    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(token.slice(0, -1), token)).toBe(false);
    expect(tokenMatches(`${token}x`, token)).toBe(false);
    expect(
      tokenMatches(token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase(), token),
    ).toBe(false);
    expect(tokenMatches('', token)).toBe(false);
  });

  it('answers only to its own address, against DNS rebinding', () => {
    expect(isAllowedHost('127.0.0.1:8123', 8123)).toBe(true);
    expect(isAllowedHost('LOCALHOST:8123', 8123)).toBe(true);
    expect(isAllowedHost('127.0.0.1:8124', 8123)).toBe(false);
    expect(isAllowedHost('attacker.example:8123', 8123)).toBe(false);
    expect(isAllowedHost('127.0.0.1', 8123)).toBe(false);
    expect(isAllowedHost(undefined, 8123)).toBe(false);
  });

  it('takes a form post only from its own pages', () => {
    expect(isSameOriginPost({ origin: 'http://127.0.0.1:8123', 'sec-fetch-site': 'same-origin' }, 8123)).toBe(
      true,
    );
    expect(isSameOriginPost({}, 8123)).toBe(true);
    expect(isSameOriginPost({ origin: 'https://attacker.example' }, 8123)).toBe(false);
    expect(isSameOriginPost({ origin: 'http://127.0.0.1:9999' }, 8123)).toBe(false);
    expect(isSameOriginPost({ 'sec-fetch-site': 'cross-site' }, 8123)).toBe(false);
    expect(isSameOriginPost({ origin: 'null', 'sec-fetch-site': 'same-origin' }, 8123)).toBe(true);
    expect(isSameOriginPost({ origin: 'null', 'sec-fetch-site': 'cross-site' }, 8123)).toBe(false);
    expect(isSameOriginPost({ 'sec-fetch-site': 'none' }, 8123)).toBe(false);
  });

  it('allows no script, no framing and nothing from elsewhere', () => {
    const directives = CONTENT_SECURITY_POLICY.split('; ');

    expect(directives).toEqual(
      expect.arrayContaining(["default-src 'none'", "style-src 'self'", "frame-ancestors 'none'"]),
    );
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src|unsafe|\*|https?:/);
  });
});
