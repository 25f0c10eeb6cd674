import { join } from 'node:path';
import { INTEGER, INTERVAL, LIST, MAP, STRUCT, UNION, VARCHAR } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { blobToText } from '../../node-kit/blob-text.ts';
import { temporaryDirectory } from '../../testing/node-context.ts';
import { connectDatabase, disconnect } from './database.ts';
import { castableText, recordValue } from './record-values.ts';

async function memoryConnection() {
  return connectDatabase(join(await temporaryDirectory(), 'values.duckdb'), { mustExist: false, nodeId: 'test' });
}

describe('DuckDB value → record value', () => {
  it('writes BLOB bytes exactly as DuckDB casts BLOB to VARCHAR, for every byte', async () => {
    const connection = await memoryConnection();
    const bytes = Uint8Array.from({ length: 256 }, (_, byte) => byte);
    const hex = Buffer.from(bytes).toString('hex');
    const [[duckdbText]] = (await connection.runAndReadAll(`SELECT unhex('${hex}')::VARCHAR`)).getRowsJson() as [
      [string],
    ];
    expect(blobToText(bytes)).toBe(duckdbText);
    const [[roundTrip]] = (
      await connection.runAndReadAll(`SELECT hex($1::BLOB)`, [blobToText(bytes)])
    ).getRowsJson() as [[string]];
    expect(roundTrip.toLowerCase()).toBe(hex);
    disconnect(connection);
  });

  it('writes infinite dates and timestamps as DuckDB does, inside lists too', async () => {
    const connection = await memoryConnection();
    const reader = await connection.runAndReadAll(
      `SELECT 'infinity'::DATE, '-infinity'::DATE, ['infinity'::DATE], 'infinity'::TIMESTAMP_S,
              '-infinity'::TIMESTAMP_MS, 'infinity'::TIMESTAMP_NS, 'infinity'::TIMESTAMP, DATE '2024-01-02'`,
    );
    expect(reader.convertRows(recordValue)).toEqual([
      ['infinity', '-infinity', ['infinity'], 'infinity', '-infinity', 'infinity', 'infinity', '2024-01-02'],
    ]);
    disconnect(connection);
  });
});

describe('record value → castable text', () => {
  it('passes strings through and writes numbers, booleans, lists and objects as literals or JSON', () => {
    expect(castableText('2024-01-02', INTEGER)).toBe('2024-01-02');
    expect(castableText(42, INTEGER)).toBe('42');
    expect(castableText(0.1, INTEGER)).toBe('0.1');
    expect(castableText(Number.NaN, INTEGER)).toBe('NaN');
    expect(castableText(false, INTEGER)).toBe('false');
    expect(castableText(null, INTEGER)).toBeNull();
    expect(castableText(undefined, INTEGER)).toBeNull();
    expect(castableText([1, 'a"b'], LIST(VARCHAR))).toBe('[1,"a\\"b"]');
    expect(castableText({ a: 1 }, STRUCT({ a: INTEGER }))).toBe('{"a":1}');
  });

  it('reshapes the record forms of MAP, UNION and INTERVAL, also when nested', () => {
    expect(castableText({ months: 1, days: -2, micros: '3' }, INTERVAL)).toBe('1 months -2 days 3 microseconds');
    expect(castableText([{ key: 1, value: 'a' }], MAP(INTEGER, VARCHAR))).toBe('{"1":"a"}');
    expect(castableText({ tag: 'n', value: 7 }, UNION({ n: INTEGER, s: VARCHAR }))).toBe('{"n":7}');
    const nested = STRUCT({ spans: LIST(INTERVAL), lookup: MAP(VARCHAR, UNION({ n: INTEGER })) });
    expect(
      castableText(
        {
          spans: [{ months: 0, days: 1, micros: '0' }, null],
          lookup: [{ key: 'k', value: { tag: 'n', value: 1 } }],
        },
        nested,
      ),
    ).toBe('{"spans":["0 months 1 days 0 microseconds",null],"lookup":{"k":{"n":1}}}');
    // Forms DuckDB already reads are left alone.
    expect(castableText({ k: 1 }, MAP(VARCHAR, INTEGER))).toBe('{"k":1}');
  });
});
