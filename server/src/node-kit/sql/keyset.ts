/**
 * Keyset paging (DESIGN.md §4): the rows after a position in key order, as one predicate with the
 * position's values bound, so a page never depends on OFFSET and rows that change meanwhile are
 * neither skipped nor repeated.
 */
import type { BoundValues, SqlDialect } from './dialect.ts';

/** `(k1, k2) > (v1, v2)` (or `<=`) for the columns `keys`, the values bound. */
export function keyComparison(
  dialect: SqlDialect,
  keys: readonly string[],
  operator: '>' | '<=',
  position: readonly unknown[],
  bound: BoundValues,
): string {
  if (keys.length !== position.length)
    throw new Error(`a position needs ${keys.length} values, got ${position.length}`);
  const columns = keys.map((key) => dialect.quoteIdentifier(key));
  if (dialect.rowComparison === 'row' || keys.length === 1) {
    const values = position.map((value) => bound.bind(value));
    return keys.length === 1
      ? `${columns[0]} ${operator} ${values[0]}`
      : `(${columns.join(', ')}) ${operator} (${values.join(', ')})`;
  }
  // a > x OR (a = x AND (b > y OR (b = y AND …))), the last comparison carrying `operator`.
  const strict = operator === '>' ? '>' : '<';
  const build = (index: number): string => {
    const column = columns[index]!;
    if (index === keys.length - 1) return `${column} ${operator} ${bound.bind(position[index])}`;
    return `(${column} ${strict} ${bound.bind(position[index])} OR (${column} = ${bound.bind(position[index])} AND ${build(index + 1)}))`;
  };
  return build(0);
}

/** `WHERE a AND b`, or nothing without conditions. */
export function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.map((condition) => `(${condition})`).join(' AND ')}`;
}

/** `ORDER BY a, b`. */
export function orderBy(dialect: SqlDialect, keys: readonly string[], descending = false): string {
  return `ORDER BY ${keys.map((key) => `${dialect.quoteIdentifier(key)}${descending ? ' DESC' : ''}`).join(', ')}`;
}
