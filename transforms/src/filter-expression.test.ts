import { describe, expect, it } from 'vitest';
import { TransformError } from './errors.ts';
import { MAX_NESTING, parseExpression } from './filter-expression.ts';

const field = (...path: string[]) => ({ kind: 'field', path });
const literal = (value: unknown) => ({ kind: 'literal', value });

describe('parseExpression', () => {
  it('binds comparison tighter than not, not tighter than and, and tighter than or', () => {
    expect(parseExpression("not a = 1 or b <> 'x' && c")).toEqual({
      kind: 'or',
      operands: [
        { kind: 'not', operand: { kind: 'compare', operator: '=', left: field('a'), right: literal(1) } },
        {
          kind: 'and',
          operands: [{ kind: 'compare', operator: '!=', left: field('b'), right: literal('x') }, field('c')],
        },
      ],
    });
  });

  it('holds a chain of or (and of and) as one node with every term, in order', () => {
    expect(parseExpression('a or b || c and d && e or (f or g)')).toEqual({
      kind: 'or',
      operands: [
        field('a'),
        field('b'),
        { kind: 'and', operands: [field('c'), field('d'), field('e')] },
        { kind: 'or', operands: [field('f'), field('g')] },
      ],
    });
    const terms = Array.from({ length: 20_000 }, (_, i) => `a = ${i}`).join(' or ');
    const parsed = parseExpression(terms);
    expect(parsed.kind === 'or' && parsed.operands.length).toBe(20_000);
    expect(parsed.kind === 'or' && parsed.operands[19_999]).toEqual({
      kind: 'compare',
      operator: '=',
      left: field('a'),
      right: literal(19_999),
    });
  });

  it(`takes ${MAX_NESTING} levels of parentheses, not and calls, and refuses one more at its column`, () => {
    expect(MAX_NESTING).toBe(64);
    const nest = (open: string, close: string, levels: number) => `${open.repeat(levels)}x = 1${close.repeat(levels)}`;
    expect(parseExpression(nest('(', ')', 64))).toMatchObject({ kind: 'compare', operator: '=' });
    for (const [source, column] of [
      [nest('(', ')', 65), 65],
      [nest('(', ')', 20_000), 65],
      [nest('not ', '', 20_000), 257],
      [nest('! ', '', 65), 129],
      [`${'lower('.repeat(20_000)}x${')'.repeat(20_000)} = 1`, 385],
      [`a = 1 or (${nest('(', ')', 64)})`, 74],
    ] as const) {
      expect(() => parseExpression(source), source.slice(0, 20)).toThrow(
        expect.objectContaining({
          code: 'expression_invalid',
          message: `expression nests deeper than 64 levels at column ${column}`,
          column,
        }),
      );
    }
  });

  it('reads literals: numbers, big integers, negative numbers, strings with escapes, booleans, null', () => {
    const list = (source: string) => {
      const parsed = parseExpression(`x in (${source})`);
      return parsed.kind === 'in' ? parsed.list.map((item) => (item.kind === 'literal' ? item.value : item)) : parsed;
    };
    expect(list('1, 2.5, 1e3, -7, 12345678901234567890, TRUE, false, NULL')).toEqual([
      1,
      2.5,
      1000,
      -7,
      12345678901234567890n,
      true,
      false,
      null,
    ]);
    expect(list(`'it''s', "say \\"hi\\"", 'tab\\tnew\\nline', '\\u00e9\\u{1F600}', "😀"`)).toEqual([
      "it's",
      'say "hi"',
      'tab\tnew\nline',
      'é😀',
      '😀',
    ]);
  });

  it('reads dotted paths and backquoted names with spaces, dots and keywords', () => {
    expect(parseExpression('customer.address.city = `field with space`')).toEqual({
      kind: 'compare',
      operator: '=',
      left: field('customer', 'address', 'city'),
      right: field('field with space'),
    });
    expect(parseExpression('`a.b`.`and` is not null')).toEqual({
      kind: 'is-null',
      operand: field('a.b', 'and'),
      negated: true,
    });
    expect(parseExpression('`it``s` = ünïcode_名前')).toMatchObject({
      left: field('it`s'),
      right: field('ünïcode_名前'),
    });
  });

  it('reads in, not in, is null, like, not like and function calls, case-insensitively', () => {
    expect(parseExpression("s NOT IN ('a', 'b')")).toEqual({
      kind: 'in',
      operand: field('s'),
      list: [literal('a'), literal('b')],
      negated: true,
    });
    expect(parseExpression("LOWER(name) not like 'a%'")).toEqual({
      kind: 'like',
      operand: { kind: 'call', name: 'lower', args: [field('name')] },
      pattern: literal('a%'),
      negated: true,
    });
    expect(parseExpression('coalesce(a, b, 0) >= 1')).toMatchObject({
      left: { kind: 'call', name: 'coalesce', args: [field('a'), field('b'), literal(0)] },
    });
  });

  it.each([
    ["(status = 'paid'", "expected ')' at column 17"],
    ["status = 'paid')", "unexpected ')' at column 16"],
    ['amount >', 'expected a value or a field but found the end at column 9'],
    ["name = 'unterminated", 'unterminated string starting at column 8'],
    ['a = `x', 'unterminated field name starting at column 5'],
    ['a = ``', 'a quoted field name cannot be empty at column 5'],
    ["'😀😀' = a #", "unexpected character '#' at column 10"],
    ['foo(a) = 1', "unknown function 'foo' at column 1"],
    ['lower(a, b) = 1', 'lower() takes 1 argument, got 2 at column 1'],
    ['contains(a) = 1', 'contains() takes 2 arguments, got 1 at column 1'],
    ['coalesce() = 1', 'coalesce() takes at least 1 argument, got 0 at column 1'],
    ['a is 1', "expected 'null' but found '1' at column 6"],
    ['a not 1', "expected 'in' or 'like' after 'not' but found '1' at column 7"],
    ['a in 1', "expected '(' at column 6"],
    ['12abc = 1', "invalid number '12a' at column 1"],
    ["a = 'bad \\q'", "invalid escape '\\q' at column 10"],
    ['a.1 = 2', "expected a field name but found '1' at column 3"],
    ['', 'expected a value or a field but found the end at column 1'],
  ])('refuses %j: %s', (source, message) => {
    expect(() => parseExpression(source)).toThrow(TransformError);
    expect(() => parseExpression(source)).toThrow(expect.objectContaining({ code: 'expression_invalid', message }));
  });

  it('gives the column of the error as a number', () => {
    expect(() => parseExpression('(a = 1')).toThrow(expect.objectContaining({ column: 7 }));
  });
});
