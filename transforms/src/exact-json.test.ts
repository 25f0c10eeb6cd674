import { describe, expect, it } from 'vitest';
import { parseExactJson, stringifyExactJson } from './exact-json.ts';

describe('parseExactJson', () => {
  it('keeps integers beyond 2^53 as strings of their exact digits, at any depth', () => {
    const text = '{"id":12345678901234567890,"neg":-9007199254740993,"nested":{"ids":[9007199254740992,1]}}';
    expect(parseExactJson(text)).toEqual({
      id: '12345678901234567890',
      neg: '-9007199254740993',
      nested: { ids: ['9007199254740992', 1] },
    });
  });

  it('leaves safe integers, doubles and exponent forms as numbers', () => {
    expect(parseExactJson('{"max":9007199254740991,"min":-9007199254740991,"f":1234567890123456.5,"e":1e21}')).toEqual({
      max: 9007199254740991,
      min: -9007199254740991,
      f: 1234567890123456.5,
      e: 1e21,
    });
  });

  it('does not touch digits inside strings, including strings with escaped quotes', () => {
    const text = '{"note":"call 12345678901234567890 \\"now\\" \\\\","n":12345678901234567890}';
    expect(parseExactJson(text)).toEqual({ note: 'call 12345678901234567890 "now" \\', n: '12345678901234567890' });
  });

  it('still rejects invalid JSON such as a big integer with a leading zero', () => {
    expect(() => parseExactJson('{"n":012345678901234567890}')).toThrow(SyntaxError);
    expect(() => parseExactJson('{"n":12345678901234567890')).toThrow(SyntaxError);
  });

  it('parses unicode, including astral characters, unchanged', () => {
    expect(parseExactJson('{"emoji":"😀 \\ud83d\\ude00","id":99999999999999999999}')).toEqual({
      emoji: '😀 😀',
      id: '99999999999999999999',
    });
  });
});

describe('stringifyExactJson', () => {
  it('writes bigint values as bare numbers with every digit', () => {
    const record = { id: 12345678901234567890n, list: [1n, -98765432109876543210n], name: 'x' };
    expect(stringifyExactJson(record)).toBe('{"id":12345678901234567890,"list":[1,-98765432109876543210],"name":"x"}');
  });

  it('matches JSON.stringify for everything else when a bigint forces the slow path', () => {
    const date = new Date('2024-02-29T12:00:00.000Z');
    const record = {
      big: 1n,
      date,
      skipped: undefined,
      fn: () => 1,
      list: [undefined, null, Number.NaN, 'a"b\n'],
      nested: { ok: true, text: '😀' },
    };
    const { big: _big, ...rest } = record;
    expect(stringifyExactJson(record)).toBe(`{"big":1,${JSON.stringify(rest).slice(1)}`);
  });

  it('is plain JSON.stringify when there is no bigint', () => {
    expect(stringifyExactJson({ a: [1, 'two', null], b: { c: false } })).toBe('{"a":[1,"two",null],"b":{"c":false}}');
  });

  it('still refuses circular structures', () => {
    const record: Record<string, unknown> = { id: 1n };
    record.self = record;
    expect(() => stringifyExactJson(record)).toThrow(TypeError);
  });

  it('round-trips with parseExactJson', () => {
    const text = stringifyExactJson({ id: 12345678901234567890n });
    expect(parseExactJson(text)).toEqual({ id: '12345678901234567890' });
  });
});
