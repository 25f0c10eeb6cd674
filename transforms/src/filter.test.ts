import { describe, expect, it } from 'vitest';
import { compileFilter, type FilterConfig } from './filter.ts';

const records = [
  { id: '1', status: 'paid', amount: 150, customer: { country: 'FR' }, email: 'Zoë@Example.com', tags: ['vip'] },
  { id: '2', status: 'open', amount: '99.5', customer: { country: 'DE' }, email: null, tags: [] },
  { id: '9007199254740993', status: 'paid', amount: '1000', customer: null, note: 'multi\nline 😀' },
  { id: '10', status: 'PAID', amount: 12345678901234567890n, 'odd name': true },
];

function matching(config: FilterConfig): string[] {
  const keep = compileFilter(config);
  return records.filter((record) => keep(record)).map((record) => record.id);
}

describe('compileFilter with an expression', () => {
  it.each([
    ["status = 'paid' and amount > 100", ['1', '9007199254740993']],
    ["status == 'paid' || customer.country = 'DE'", ['1', '2', '9007199254740993']],
    ["not (status = 'paid')", ['2', '10']],
    ["status <> 'paid'", ['2', '10']],
    ['amount >= 99.5 and amount < 1000', ['1', '2']],
    ['amount > 1e19', ['10']],
    ['id = 9007199254740993', ['9007199254740993']],
    ['id > 9007199254740992', ['9007199254740993']],
    ["id in (1, '2', 3)", ['1', '2']],
    ['id not in (1, 2)', ['9007199254740993', '10']],
    ['email is null', ['2', '9007199254740993', '10']],
    ['customer.country is not null', ['1', '2']],
    ["lower(status) = 'paid'", ['1', '9007199254740993', '10']],
    ["upper(email) like 'ZOË@%.COM'", ['1']],
    ["note like '%line _'", ['9007199254740993']],
    ["note like 'multi%'", ['9007199254740993']],
    ["email not like '%@%'", []],
    ['length(note) = 12', ['9007199254740993']],
    ['length(tags) = 0', ['2']],
    ["contains(tags, 'vip')", ['1']],
    ["contains(email, 'Example') and starts_with(email, 'Zo') and ends_with(email, '.com')", ['1']],
    ["coalesce(email, note, 'none') = 'none'", ['2', '10']],
    ['`odd name` = true', ['10']],
    ["`odd name` = 'true'", ['10']],
    ["status > 'open'", ['1', '9007199254740993']],
  ])('%s', (expression, expected) => {
    expect(matching({ expression })).toEqual(expected);
  });

  it('treats comparisons with null or missing fields as false, except is null', () => {
    expect(matching({ expression: "email = 'x' or email != 'x'" })).toEqual(['1']);
    expect(matching({ expression: 'missing.deeply.nested = 1 or missing < 1 or missing >= 1' })).toEqual([]);
    expect(matching({ expression: 'missing is null' })).toHaveLength(4);
    expect(matching({ expression: 'null = null' })).toEqual([]);
  });

  it('never reaches beyond the record’s own fields', () => {
    expect(matching({ expression: '__proto__ is null and constructor is null and toString is null' })).toHaveLength(4);
    expect(matching({ expression: 'constructor.name is not null or status.length > 0 or tags.length >= 0' })).toEqual([
      '1',
      '2',
    ]);
  });

  it('reads text that is not numeric as different from a number, never equal', () => {
    expect(matching({ expression: 'status = 0 or status < 0 or status > 0' })).toEqual([]);
    expect(matching({ expression: 'status != 0' })).toHaveLength(4);
  });

  it('compares the escapes of like patterns literally', () => {
    const keep = compileFilter({ expression: "code like '50\\\\%_' and path like 'a.b%'" });
    expect(keep({ code: '50%x', path: 'a.bc' })).toBe(true);
    expect(keep({ code: '500x', path: 'a.bc' })).toBe(false);
    expect(keep({ code: '50%x', path: 'axbc' })).toBe(false);
  });
});

describe('compileFilter with where conditions', () => {
  it('requires every condition to hold', () => {
    expect(
      matching({
        where: [
          { field: 'status', op: 'eq', value: 'paid' },
          { field: 'amount', op: 'gte', value: 150 },
          { field: 'customer.country', op: 'ne', value: 'DE' },
        ],
      }),
    ).toEqual(['1']);
  });

  it.each<[FilterConfig['where'], string[]]>([
    [[{ field: 'amount', op: 'lt', value: 150 }], ['2']],
    [[{ field: 'amount', op: 'lte', value: 150 }], ['1', '2']],
    [[{ field: 'amount', op: 'gt', value: 999 }], ['9007199254740993', '10']],
    [[{ field: 'id', op: 'in', value: [1, 10] }], ['1', '10']],
    [[{ field: 'id', op: 'not_in', value: ['1', '2'] }], ['9007199254740993', '10']],
    [[{ field: 'email', op: 'is_null' }], ['2', '9007199254740993', '10']],
    [[{ field: 'email', op: 'not_null' }], ['1']],
    [[{ field: 'tags', op: 'contains', value: 'vip' }], ['1']],
    [[{ field: 'email', op: 'starts_with', value: 'Zoë' }], ['1']],
    [[], ['1', '2', '9007199254740993', '10']],
  ])('%j', (where, expected) => {
    expect(matching({ where })).toEqual(expected);
  });

  it('combines with an expression', () => {
    expect(matching({ expression: "status = 'paid'", where: [{ field: 'amount', op: 'gt', value: 500 }] })).toEqual([
      '9007199254740993',
    ]);
  });

  it.each<[FilterConfig, string]>([
    [{}, 'a filter needs an expression or where conditions'],
    [{ where: [{ field: 'a', op: 'eq' }] }, 'where[0]: "eq" needs a value; use is_null or not_null to test for null'],
    [{ where: [{ field: 'a', op: 'gt', value: null }] }, 'where[0]: "gt" needs a value'],
    [{ where: [{ field: 'a', op: 'in', value: 1 }] }, 'where[0]: "in" needs a list of values'],
    [{ where: [{ field: '', op: 'is_null' }] }, 'where[0]: field must be a field name'],
    [{ where: [{ field: 'a', op: 'regex' as never, value: 1 }] }, 'where[0]: unknown operator "regex"'],
    [{ where: [{ field: 'a', op: 'constructor' as never, value: 1 }] }, 'where[0]: unknown operator "constructor"'],
  ])('refuses %j', (config, message) => {
    expect(() => compileFilter(config)).toThrow(expect.objectContaining({ code: 'config_invalid', message }));
  });

  it('reports a syntax error in the expression as expression-invalid', () => {
    expect(() => compileFilter({ expression: "(status = 'paid'" })).toThrow(
      expect.objectContaining({ code: 'expression_invalid', message: "expected ')' at column 17" }),
    );
  });
});

describe('compileFilter on long chains', () => {
  // Each chain used to nest one level per term, and evaluating 20,000 of them overflowed the stack.
  const amounts = [0, 1, 2, 39_998, 39_999, 40_000, -2, '39998', '3.9998e4', null, 12345678901234567890n];
  const rows = amounts.map((amount, index) => ({ index, amount }));
  const kept = (config: FilterConfig) => rows.filter(compileFilter(config)).map((row) => row.amount);

  // How long the 100 records take (well under a second) is entry 9 of `npm run bench`.
  it('keeps exactly the records one of 20,000 or terms matches, also near the end of the chain', () => {
    const expression = Array.from({ length: 20_000 }, (_, i) => `amount = ${i * 2}`).join(' or ');
    expect(kept({ expression })).toEqual([0, 2, 39_998, '39998', '3.9998e4']);
    const keep = compileFilter({ expression });
    // Near the end of the chain, so nearly every term is tried: 2 million comparisons.
    const many = Array.from({ length: 100 }, (_, i) => ({ amount: 40_000 - i }));
    expect(many.filter(keep).map((record) => record.amount)).toEqual(
      Array.from({ length: 49 }, (_, i) => 39_998 - i * 2),
    );
  });

  it('keeps exactly the records all of 20,000 and terms hold for, as expression or where conditions', () => {
    const expression = Array.from({ length: 20_000 }, (_, i) => `amount <> ${i * 2 + 1}`).join(' and ');
    expect(kept({ expression })).toEqual([0, 2, 39_998, 40_000, -2, '39998', '3.9998e4', 12345678901234567890n]);
    const where = Array.from({ length: 20_000 }, (_, i) => ({ field: 'amount', op: 'ne' as const, value: i * 2 + 1 }));
    expect(kept({ where })).toEqual(kept({ expression }));
  });
});
