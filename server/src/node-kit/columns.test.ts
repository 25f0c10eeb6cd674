import { describe, expect, it } from 'vitest';
import { inferColumns, isColumnType } from './columns.ts';

describe('column inference for records without a schema', () => {
  it('takes VARCHAR when any value is a string, BOOLEAN or DOUBLE when all are, JSON otherwise', () => {
    expect(
      inferColumns([
        { s: 'a', b: true, n: 1, o: { x: 1 }, l: [1], mixed: 1, loose: 1, none: null },
        { s: 2, b: false, n: 1.5, o: null, l: [], mixed: 'x', loose: false },
      ]),
    ).toEqual([
      { name: 's', type: 'VARCHAR' },
      { name: 'b', type: 'BOOLEAN' },
      { name: 'n', type: 'DOUBLE' },
      { name: 'o', type: 'JSON' },
      { name: 'l', type: 'JSON' },
      { name: 'mixed', type: 'VARCHAR' },
      { name: 'loose', type: 'JSON' },
      { name: 'none', type: 'VARCHAR' },
    ]);
  });
});

describe('isColumnType', () => {
  it('takes the documented types, parametrised and nested, and refuses other names', () => {
    for (const type of [
      'BIGINT',
      'DECIMAL(18,2)',
      'VARCHAR[]',
      'INTEGER[3]',
      'STRUCT(a INTEGER, b VARCHAR)',
      'TIMESTAMP WITH TIME ZONE',
      "ENUM('a', 'b')",
      'MAP(VARCHAR, INTEGER)[]',
    ]) {
      expect(isColumnType(type), type).toBe(true);
    }
    for (const type of ['', 'text', 'int4', 'NUMBER', 'STRUCT', 'varchar(255)'])
      expect(isColumnType(type), type).toBe(false);
  });
});
