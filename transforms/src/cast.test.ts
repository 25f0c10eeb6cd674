import { describe, expect, it } from 'vitest';
import { type CastType, castValue } from './cast.ts';

function cast(value: unknown, type: CastType): unknown {
  const result = castValue(value, type);
  return 'error' in result ? { error: result.error } : result.value;
}

describe('castValue', () => {
  it('leaves null and undefined alone for every type', () => {
    for (const type of ['string', 'integer', 'number', 'boolean', 'date', 'timestamp', 'json'] as const) {
      expect(cast(null, type)).toBeNull();
      expect(cast(undefined, type)).toBeUndefined();
    }
  });

  it('integer: exact whole numbers, big ones as exact digit strings', () => {
    expect(cast(' 42 ', 'integer')).toBe(42);
    expect(cast('+007', 'integer')).toBe(7);
    expect(cast('-0', 'integer')).toBe(0);
    expect(Object.is(cast(-0, 'integer'), 0)).toBe(true);
    expect(cast('9007199254740993', 'integer')).toBe('9007199254740993');
    expect(cast('-9223372036854775808', 'integer')).toBe('-9223372036854775808');
    expect(cast(1234567890123456789n, 'integer')).toBe('1234567890123456789');
    expect(cast(12345678901234567890n, 'integer')).toEqual({
      error: 'cannot cast 12345678901234567890 to integer: outside the BIGINT range',
    });
    expect(cast(2n ** 53n - 1n, 'integer')).toBe(9007199254740991);
    expect(cast(1e18, 'integer')).toBe('1000000000000000000');
    expect(cast(true, 'integer')).toBe(1);
  });

  it('integer: refuses anything inexact, naming the value', () => {
    expect(cast('12.5', 'integer')).toEqual({ error: 'cannot cast "12.5" to integer: not a whole number' });
    expect(cast(12.5, 'integer')).toEqual({ error: 'cannot cast 12.5 to integer: not a whole number' });
    expect(cast('12.0', 'integer')).toEqual({ error: 'cannot cast "12.0" to integer: not a whole number' });
    expect(cast('1e3', 'integer')).toEqual({ error: 'cannot cast "1e3" to integer: not a whole number' });
    expect(cast('', 'integer')).toEqual({ error: 'cannot cast "" to integer' });
    expect(cast('12abc', 'integer')).toEqual({ error: 'cannot cast "12abc" to integer' });
    expect(cast('9223372036854775808', 'integer')).toEqual({
      error: 'cannot cast "9223372036854775808" to integer: outside the BIGINT range',
    });
    expect(cast({ a: 1 }, 'integer')).toEqual({ error: 'cannot cast {"a":1} to integer' });
  });

  it('number: finite doubles from numbers and numeric text', () => {
    expect(cast(' -1.5e3 ', 'number')).toBe(-1500);
    expect(cast('.5', 'number')).toBe(0.5);
    expect(cast(7n, 'number')).toBe(7);
    expect(cast(false, 'number')).toBe(0);
    expect(cast('NaN', 'number')).toEqual({ error: 'cannot cast "NaN" to number' });
    expect(cast('Infinity', 'number')).toEqual({ error: 'cannot cast "Infinity" to number' });
    expect(cast('1e400', 'number')).toEqual({ error: 'cannot cast "1e400" to number: out of range' });
    expect(cast('1,5', 'number')).toEqual({ error: 'cannot cast "1,5" to number' });
  });

  it('boolean: true/false, 1/0 and yes/no in any case', () => {
    expect(['true', 'TRUE', ' Yes ', '1', 1, 1n, true].map((value) => cast(value, 'boolean'))).toEqual(
      Array(7).fill(true),
    );
    expect(['false', 'False', 'NO', '0', 0, false].map((value) => cast(value, 'boolean'))).toEqual(
      Array(6).fill(false),
    );
    expect(cast('y', 'boolean')).toEqual({ error: 'cannot cast "y" to boolean: expected true/false, 1/0 or yes/no' });
    expect(cast(2, 'boolean')).toEqual({ error: 'cannot cast 2 to boolean: expected true/false, 1/0 or yes/no' });
  });

  it('date: valid calendar dates as YYYY-MM-DD', () => {
    expect(cast('2024-02-29', 'date')).toBe('2024-02-29');
    expect(cast('2024-02-29T23:30:00-05:00', 'date')).toBe('2024-02-29');
    expect(cast(new Date(Date.UTC(2000, 0, 31, 12)), 'date')).toBe('2000-01-31');
    expect(cast('2023-02-29', 'date')).toEqual({ error: 'cannot cast "2023-02-29" to date: no such date' });
    expect(cast('2024-04-31', 'date')).toEqual({ error: 'cannot cast "2024-04-31" to date: no such date' });
    expect(cast('1900-02-29', 'date')).toEqual({ error: 'cannot cast "1900-02-29" to date: no such date' });
    expect(cast('29/02/2024', 'date')).toMatchObject({
      error: expect.stringMatching(/^cannot cast "29\/02\/2024" to date: expected YYYY-MM-DD/),
    });
    expect(cast(20240229, 'date')).toEqual({ error: 'cannot cast 20240229 to date' });
  });

  it('timestamp: ISO 8601 in UTC, keeping every fraction digit', () => {
    expect(cast('2024-02-29', 'timestamp')).toBe('2024-02-29T00:00:00Z');
    expect(cast('2024-02-29 13:45', 'timestamp')).toBe('2024-02-29T13:45:00Z');
    expect(cast('2024-02-29T13:45:07.123456Z', 'timestamp')).toBe('2024-02-29T13:45:07.123456Z');
    expect(cast('2024-03-01T01:30:00+02:00', 'timestamp')).toBe('2024-02-29T23:30:00Z');
    expect(cast('2024-12-31T22:00:00.5-0330', 'timestamp')).toBe('2025-01-01T01:30:00.5Z');
    expect(cast('0001-01-01T00:00:00Z', 'timestamp')).toBe('0001-01-01T00:00:00Z');
    expect(cast(new Date(Date.UTC(2024, 1, 29, 1, 2, 3, 4)), 'timestamp')).toBe('2024-02-29T01:02:03.004Z');
    expect(cast('2024-02-29T24:00:00Z', 'timestamp')).toEqual({
      error: 'cannot cast "2024-02-29T24:00:00Z" to timestamp: no such time',
    });
    expect(cast('2024-02-29T10:00:00+19:00', 'timestamp')).toEqual({
      error: 'cannot cast "2024-02-29T10:00:00+19:00" to timestamp: no such time zone offset',
    });
    expect(cast(1709164800000, 'timestamp')).toEqual({
      error: 'cannot cast 1709164800000 to timestamp: expected ISO 8601 text',
    });
  });

  it('json: parses text with big integers kept exact; other values are already JSON', () => {
    expect(cast('{"id":12345678901234567890,"a":[1,"😀"]}', 'json')).toEqual({
      id: '12345678901234567890',
      a: [1, '😀'],
    });
    expect(cast('"text"', 'json')).toBe('text');
    expect(cast({ a: 1 }, 'json')).toEqual({ a: 1 });
    expect(cast(3, 'json')).toBe(3);
    expect(cast('{bad', 'json')).toMatchObject({ error: expect.stringMatching(/^cannot cast "\{bad" to json: /) });
  });

  it('string: text of any value', () => {
    expect(cast(12345678901234567890n, 'string')).toBe('12345678901234567890');
    expect(cast(false, 'string')).toBe('false');
    expect(cast({ a: [1] }, 'string')).toBe('{"a":[1]}');
    expect(cast('as is\n', 'string')).toBe('as is\n');
  });

  it('shortens long values in messages', () => {
    const result = castValue('x'.repeat(200), 'integer');
    expect('error' in result && result.error).toBe(`cannot cast "${'x'.repeat(76)}… to integer`);
  });
});
