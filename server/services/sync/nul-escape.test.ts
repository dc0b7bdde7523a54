import { describe, expect, it } from 'vitest';
import { decodeJsonText, decodeNul, decodeString, encodeNul, encodeString } from '@/server/services/sync/nul-escape';

const M = '\uE000';

describe('nul-escape', () => {
  it('stores no U+0000 and restores the exact string', () => {
    for (const original of [
      'a\u0000b',
      '\u0000',
      `${M}0`,
      `${M}e`,
      `${M}\u0000${M}`,
      `x${M}${M}0\u0000e`,
      'plain',
      '',
    ]) {
      const encoded = encodeString(original);
      expect(encoded).not.toContain('\u0000');
      expect(decodeString(encoded)).toBe(original);
    }
  });

  it('keeps strings without NUL or the marker unchanged, and the same object', () => {
    const value = { a: 'text', b: [1, 'two', { c: null }], d: true };
    expect(encodeNul(value)).toBe(value);
    expect(decodeNul(value)).toBe(value);
  });

  it('escapes keys and nested values, and round-trips them', () => {
    const value = { 'k\u0000': ['v\u0000', { deep: `m${M}0` }], plain: 1 };
    const encoded = encodeNul(value);
    expect(JSON.stringify(encoded)).not.toContain('\\u0000');
    expect(decodeNul(encoded)).toEqual(value);
    expect(value['k\u0000'][0]).toBe('v\u0000');
  });

  it('decodes JSON text without parsing it, keys included', () => {
    const value = { s: `a\u0000${M}0${M}e\u0000`, [`k\u0000${M}`]: [`${M}`, 'plain'], n: 1 };
    const stored = JSON.stringify(encodeNul(value));
    expect(stored).not.toContain('\\u0000');
    expect(JSON.parse(decodeJsonText(stored))).toEqual(value);
    const plain = JSON.stringify({ a: 'no marker' });
    expect(decodeJsonText(plain)).toBe(plain);
  });
});
