import { hashRecipient, maskEmail, maskPhone } from '../../../lib/shared/pii';

describe('maskPhone', () => {
  it('keeps the country prefix and the last four digits', () => {
    expect(maskPhone('+447700903456')).toBe('+44******3456');
  });

  it('never returns the number it cannot recognise', () => {
    expect(maskPhone('447700903456')).toBe('***');
  });
});

describe('maskEmail', () => {
  it('keeps the first letter and the domain', () => {
    expect(maskEmail('alice@example.com')).toBe('a****@example.com');
  });

  it('hides short local parts behind at least three stars', () => {
    expect(maskEmail('a@example.com')).toBe('a***@example.com');
  });
});

describe('hashRecipient', () => {
  it('depends on the key, so the number space cannot be enumerated without it', () => {
    expect(hashRecipient('+447700903456', 'k1')).not.toBe(hashRecipient('+447700903456', 'k2'));
    expect(hashRecipient('+447700903456', 'k1')).toBe(hashRecipient('+447700903456', 'k1'));
    expect(hashRecipient('+447700903456', 'k1')).not.toContain('7700903456');
  });
});
