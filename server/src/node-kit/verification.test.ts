import { describe, expect, it } from 'vitest';
import { blobToText, textToBlob } from './blob-text.ts';
import { canonicalValue, RowChecksum, rowHash } from './verification.ts';

describe('canonical values: two systems spelling one value hash alike', () => {
  it.each([
    ['DECIMAL(10,2)', '1.50', '1.5'],
    ['DECIMAL(10,2)', '-0.00', '0'],
    ['BIGINT', '9007199254740993', 9007199254740993n.toString()],
    ['BOOLEAN', true, 't'],
    ['BOOLEAN', 0, 'false'],
    ['FLOAT', 0.10000000149011612, '0.1'],
    ['JSON', '{"b": 1, "a": [1, {"d": 2, "c": 3}]}', { a: [1, { c: 3, d: 2 }], b: 1 }],
    ['TIMESTAMP', '2024-01-02T03:04:05.500000', '2024-01-02 03:04:05.5'],
    ['TIMESTAMPTZ', '2024-01-02 03:04:05+02', '2024-01-02T01:04:05.000Z'],
    ['TIMESTAMPTZ', '2024-01-02 03:04:05.25-05:30', '2024-01-02 08:34:05.250000+00'],
    ['TIME', '13:14:15.100', '13:14:15.1'],
    ['TIMESTAMP', '2020-01-01 00:00:10.000010', '2020-01-01 00:00:10.00001'],
    ['UUID', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['BLOB', Buffer.from([0, 255, 0x61, 0x5c]), '\\x00\\xFFa\\x5C'],
    ['INTEGER[]', '[1, 2, null]', ['1', 2, null]],
  ])('%s: %j and %j', (type, a, b) => {
    expect(canonicalValue(a, type)).toBe(canonicalValue(b, type));
  });

  it.each([
    ['DECIMAL(10,2)', '1.5', '1.05'],
    ['VARCHAR', 'a', 'a '],
    ['TIMESTAMPTZ', '2024-01-02 03:04:05+02', '2024-01-02 03:04:05+00'],
    ['JSON', '{"a": 1}', '{"a": "1"}'],
    ['TIMESTAMP', '2020-01-01 00:00:10.00001', '2020-01-01 00:00:10.0000101'],
    ['TIME', '00:00:10.05', '00:00:10.5'],
  ])('%s: %j and %j differ', (type, a, b) => {
    expect(canonicalValue(a, type)).not.toBe(canonicalValue(b, type));
  });

  it('hashes text that does not parse as its JSON or list type as the text, without throwing', () => {
    expect(canonicalValue('{"a":', 'JSON')).toBe('{"a":');
    expect(canonicalValue('[1, 2', 'INTEGER[]')).toBe('[1, 2');
  });

  it('spells an instant as UTC microseconds since the epoch, before and after it', () => {
    expect(canonicalValue('1970-01-01 00:00:00+00', 'TIMESTAMPTZ')).toBe('0');
    expect(canonicalValue('1970-01-01 00:00:00.000001Z', 'TIMESTAMPTZ')).toBe('1');
    expect(canonicalValue('2024-01-02 01:04:05.5+00', 'TIMESTAMPTZ')).toBe('1704157445500000');
    expect(canonicalValue('2024-01-02 03:04:05.5+02:00', 'TIMESTAMPTZ')).toBe('1704157445500000');
    expect(canonicalValue('1969-12-31 23:59:59.5+00', 'TIMESTAMPTZ')).toBe('-500000');
    expect(canonicalValue('2024-01-02 01:04:05.500000', 'TIMESTAMPTZ')).toBe('1704157445500000');
    expect(canonicalValue('2024-01-02 01:04:05', 'TIMESTAMPTZ')).toBe('1704157445000000');
  });

  it('reads an INTERVAL with its micros as a string or a number alike', () => {
    expect(canonicalValue({ months: 1, days: 2, micros: '3000000' }, 'INTERVAL')).toBe(
      canonicalValue({ days: 2, micros: 3000000, months: 1 }, 'INTERVAL'),
    );
    expect(canonicalValue({ months: 1, days: 2, micros: '3' }, 'INTERVAL')).not.toBe(
      canonicalValue({ months: 1, days: 3, micros: '3' }, 'INTERVAL'),
    );
  });

  it('keeps NULL apart from the text "null" and from an empty string', () => {
    const types = ['VARCHAR'];
    expect(rowHash([null], types)).not.toBe(rowHash(['null'], types));
    expect(rowHash([null], types)).not.toBe(rowHash([''], types));
    expect(rowHash(['a', 'bc'], ['VARCHAR', 'VARCHAR'])).not.toBe(rowHash(['ab', 'c'], ['VARCHAR', 'VARCHAR']));
    expect(rowHash(['a', null], ['VARCHAR', 'VARCHAR'])).not.toBe(rowHash([null, 'a'], ['VARCHAR', 'VARCHAR']));
    expect(rowHash(['', ''], ['VARCHAR', 'VARCHAR'])).not.toBe(rowHash([''], ['VARCHAR']));
  });

  it('reads plain decimals and integers by char codes as the regex spells them', () => {
    const cases: [string, string][] = [
      ['158.38', '158.38'],
      ['10.00', '10'],
      ['0.50', '0.5'],
      ['-0.00', '0'],
      ['007', '7'],
      ['.5', '0.5'],
      ['12.', '12'],
      ['-.', '0'],
      ['+1.50', '1.5'],
      [' 2 ', '2'],
      ['1.2.3', '1.2.3'],
    ];
    for (const [text, canonical] of cases) expect(canonicalValue(text, 'DECIMAL(10,2)')).toBe(canonical);
    expect(canonicalValue('-12', 'BIGINT')).toBe('-12');
    expect(canonicalValue('-012', 'BIGINT')).toBe('-12');
    expect(canonicalValue('0', 'BIGINT')).toBe('0');
  });
});

describe('rowHash', () => {
  it('is a fixed function of the values (staged hashes and saved checksums outlive a process)', () => {
    expect(rowHash([1, 'a', null], ['INTEGER', 'VARCHAR', 'VARCHAR'])).toBe(
      rowHash(['1', 'a', undefined], ['INTEGER', 'VARCHAR', 'VARCHAR']),
    );
    expect(rowHash([], [])).toMatchInlineSnapshot(`6711654759025825091n`);
    expect(rowHash([1, 'Zoë', null], ['INTEGER', 'VARCHAR', 'VARCHAR'])).toMatchInlineSnapshot(`12531936657326941596n`);
  });

  it('gives 200,000 similar rows 200,000 hashes, its bits set about half the time', () => {
    const seen = new Set<bigint>();
    const ones = new Array<number>(64).fill(0);
    for (let id = 0; id < 200_000; id++) {
      const hash = rowHash([id, `customer${id % 1000}@example.com`], ['INTEGER', 'VARCHAR']);
      seen.add(hash);
      if (id < 10_000) for (let bit = 0; bit < 64; bit++) ones[bit]! += Number((hash >> BigInt(bit)) & 1n);
    }
    expect(seen.size).toBe(200_000);
    expect(Math.min(...ones)).toBeGreaterThan(4_700);
    expect(Math.max(...ones)).toBeLessThan(5_300);
  });
});

describe('RowChecksum', () => {
  it('takes a row out again: adding then removing a hash leaves the checksum as it was', () => {
    const checksum = new RowChecksum();
    checksum.add(rowHash([1], ['INTEGER']));
    const before = checksum.save();
    const refused = rowHash([2], ['INTEGER']);
    checksum.add(refused);
    checksum.remove(refused);
    expect(checksum.save()).toEqual(before);
  });

  it('is order-independent, counts duplicates, and survives a save and restore', () => {
    const types = ['INTEGER', 'VARCHAR'];
    const rows = [
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ];
    const forward = new RowChecksum();
    for (const row of rows) forward.add(rowHash(row, types));
    const backward = new RowChecksum();
    for (const row of [...rows].reverse()) backward.add(rowHash(row, types));
    expect(backward.hex).toBe(forward.hex);

    const resumed = new RowChecksum(JSON.parse(JSON.stringify(new RowChecksum().save())));
    for (const row of rows) resumed.add(rowHash(row, types));
    expect(resumed.save()).toEqual(forward.save());

    const twice = new RowChecksum();
    for (const row of [...rows, rows[0] as unknown[]]) twice.add(rowHash(row, types));
    expect(twice.hex).not.toBe(forward.hex);
    expect(twice.rows).toBe(4);
  });
});

describe('BLOB text', () => {
  it('round-trips every byte value', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(textToBlob(blobToText(bytes)).equals(bytes)).toBe(true);
  });
});
