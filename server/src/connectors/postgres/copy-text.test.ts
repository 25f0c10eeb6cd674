import { describe, expect, it } from 'vitest';
import { canonicalValue } from '../../node-kit/verification.ts';
import { copyEscape, inputText, outputValue, parseArrayLiteral, parseCopyLine, parseIsoInterval } from './copy-text.ts';

describe('record values → Postgres input text', () => {
  it.each([
    ['BOOLEAN', true, 't'],
    ['BOOLEAN', false, 'f'],
    ['BLOB', '\\x00\\xFFab\\x5C', '\\x00ff61625c'],
    ['JSON', { b: 1, a: [true] }, '{"b":1,"a":[true]}'],
    ['JSON', '{"kept": "as text"}', '{"kept": "as text"}'],
    ['INTERVAL', { months: 14, days: -3, micros: '-3723000004' }, '14 mons -3 days -3723.000004 secs'],
    ['VARCHAR[]', ['a,b', 'c"d', 'e\\f', null], '{"a,b","c\\"d","e\\\\f",NULL}'],
    ['INTEGER[][]', '[[1, 2], [3, null]]', '{{"1","2"},{"3",NULL}}'],
    ['DOUBLE', 'NaN', 'NaN'],
    ['BIGINT', '9223372036854775807', '9223372036854775807'],
  ])('%s %j → %s', (type, value, text) => {
    expect(inputText(type)(value)).toBe(text);
  });

  it('escapes what COPY text reads as syntax and reads it back', () => {
    const nasty = 'tab\there\nnew line\r\\N back\\slash';
    expect(parseCopyLine(`${copyEscape(nasty)}\t\\N\tplain`)).toEqual([nasty, null, 'plain']);
  });
});

describe('Postgres output text → canonical values equal to the records', () => {
  it('parses array literals, nested and quoted', () => {
    expect(parseArrayLiteral('{1,NULL,-3}')).toEqual(['1', null, '-3']);
    expect(parseArrayLiteral('{"a,b","c\\"d","e\\\\f",NULL,"NULL"}')).toEqual(['a,b', 'c"d', 'e\\f', null, 'NULL']);
    expect(parseArrayLiteral('{{1,2},{3,4}}')).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(parseArrayLiteral('{}')).toEqual([]);
  });

  it('reads ISO 8601 intervals as Backflow intervals', () => {
    expect(parseIsoInterval('P1Y2M-3DT1H2M3.000004S')).toEqual({ months: 14, days: -3, micros: '3723000004' });
    expect(parseIsoInterval('PT-1.5S')).toEqual({ months: 0, days: 0, micros: '-1500000' });
  });

  it.each([
    ['BLOB', '\\x00ff61625c', '\\x00\\xFFab\\x5C'],
    ['INTERVAL', 'P1Y2M-3DT1H2M3.000004S', { months: 14, days: -3, micros: '3723000004' }],
    ['BOOLEAN[]', '{t,f,NULL}', [true, false, null]],
    ['BLOB[]', '{"\\\\x00ff"}', ['\\x00\\xFF']],
    ['TIMESTAMPTZ', '2024-01-02 01:04:05.5+00', '2024-01-02 01:04:05.500000+00'],
    ['JSON', '{"a": "x", "b": [1, 2.5]}', '{"b":[1,2.5],"a":"x"}'],
    ['FLOAT', '0.1', 0.10000000149011612],
  ])('%s: %j reads as %j', (type, text, record) => {
    expect(canonicalValue(outputValue(type)(text), type)).toBe(canonicalValue(record, type));
  });
});
