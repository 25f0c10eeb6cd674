import { describe, expect, it } from 'vitest';
import { BoundValues, type SqlDialect } from './dialect.ts';
import { keyComparison, orderBy, whereClause } from './keyset.ts';

const postgres: SqlDialect = { quoteIdentifier: (n) => `"${n}"`, placeholder: (i) => `$${i}`, rowComparison: 'row' };
const mysql: SqlDialect = { quoteIdentifier: (n) => `\`${n}\``, placeholder: () => '?', rowComparison: 'expanded' };

describe('keyComparison', () => {
  it('writes a row comparison with numbered placeholders, continuing the statement numbering', () => {
    const bound = new BoundValues(postgres);
    bound.bind('earlier');
    expect(keyComparison(postgres, ['a', 'b'], '>', [1, 'x'], bound)).toBe('("a", "b") > ($2, $3)');
    expect(bound.values).toEqual(['earlier', 1, 'x']);
  });

  it('expands it for MySQL so an index serves it, binding each value where it is used', () => {
    const bound = new BoundValues(mysql);
    expect(keyComparison(mysql, ['a', 'b', 'c'], '>', [1, 2, 3], bound)).toBe(
      '(`a` > ? OR (`a` = ? AND (`b` > ? OR (`b` = ? AND `c` > ?))))',
    );
    expect(bound.values).toEqual([1, 1, 2, 2, 3]);
    const upTo = new BoundValues(mysql);
    expect(keyComparison(mysql, ['a', 'b'], '<=', [1, 2], upTo)).toBe('(`a` < ? OR (`a` = ? AND `b` <= ?))');
  });

  it('uses a plain comparison for one column, and builds WHERE and ORDER BY', () => {
    const bound = new BoundValues(mysql);
    expect(whereClause([keyComparison(mysql, ['id'], '>', [5], bound), '`x` IS NOT NULL'])).toBe(
      'WHERE (`id` > ?) AND (`x` IS NOT NULL)',
    );
    expect(whereClause([])).toBe('');
    expect(orderBy(postgres, ['a', 'b'], true)).toBe('ORDER BY "a" DESC, "b" DESC');
  });
});
