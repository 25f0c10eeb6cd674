import { describe, expect, it } from 'vitest';
import { valueToText } from './value-text.ts';

describe('valueToText', () => {
  it('shows null and undefined as empty text', () => {
    expect(valueToText(null)).toBe('');
    expect(valueToText(undefined)).toBe('');
  });

  it('keeps strings exactly, including quotes, newlines, BOM and astral characters', () => {
    const text = '\uFEFF"a",\r\nb 😀';
    expect(valueToText(text)).toBe(text);
  });

  it('writes booleans, numbers and bigints as plain text', () => {
    expect(valueToText(true)).toBe('true');
    expect(valueToText(false)).toBe('false');
    expect(valueToText(-0.5)).toBe('-0.5');
    expect(valueToText(9007199254740991)).toBe('9007199254740991');
    expect(valueToText(1e21)).toBe('1000000000000000000000');
    expect(valueToText(-12345678901234567890123n)).toBe('-12345678901234567890123');
  });

  it('writes dates as ISO 8601 and objects as JSON text with exact bigints', () => {
    expect(valueToText(new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 5)))).toBe('2024-02-29T23:59:59.005Z');
    expect(valueToText(new Date(Number.NaN))).toBe('');
    expect(valueToText({ id: 12345678901234567890n, tags: ['a', null] })).toBe(
      '{"id":12345678901234567890,"tags":["a",null]}',
    );
  });
});
