import type { ComparisonOperator, Condition, Literal, OrderItem, Path, SelectItem, SoqlStatement } from './ast.ts';
import { malformed, type Token, tokenize } from './lexer.ts';

const dateRanges = new Set([
  'TODAY',
  'YESTERDAY',
  'TOMORROW',
  'THIS_WEEK',
  'LAST_WEEK',
  'NEXT_WEEK',
  'THIS_MONTH',
  'LAST_MONTH',
  'NEXT_MONTH',
  'THIS_YEAR',
  'LAST_YEAR',
  'NEXT_YEAR',
]);
const dateRangesWithN = new Set(['LAST_N_DAYS', 'NEXT_N_DAYS', 'LAST_N_MONTHS', 'NEXT_N_MONTHS']);
const comparisonOperators = new Set(['=', '!=', '<>', '<', '<=', '>', '>=']);

/**
 * Parses the SOQL subset the sandbox answers: a field list (with relationship paths and COUNT()),
 * FROM one object, WHERE with AND/OR/NOT, comparisons, IN/NOT IN, LIKE, null, date and datetime
 * literals and date ranges, ORDER BY with ASC/DESC and NULLS FIRST/LAST, LIMIT and OFFSET.
 */
export function parseSoql(soql: string): SoqlStatement {
  const tokens = tokenize(soql);
  let index = 0;
  const peek = (): Token => tokens[index] as Token;
  const next = (): Token => tokens[index++] as Token;
  const isWord = (word: string, token = peek()) => token.kind === 'word' && token.text.toUpperCase() === word;
  const fail = (token = peek()): never => {
    throw malformed(
      soql,
      token.column,
      `unexpected token: ${token.kind === 'string' ? `'${token.text}'` : token.text}`,
    );
  };
  const expectWord = (word: string) => (isWord(word) ? next() : fail());
  const expectSymbol = (symbol: string) => (peek().kind === 'symbol' && peek().text === symbol ? next() : fail());
  const acceptSymbol = (symbol: string) => {
    if (peek().kind === 'symbol' && peek().text === symbol) return next();
    return undefined;
  };

  function path(): Path {
    const token = peek();
    if (token.kind !== 'word' || token.text.endsWith('.') || token.text.includes('..')) fail();
    next();
    return { parts: token.text.split('.'), column: token.column };
  }

  function selectItem(): SelectItem {
    if (isWord('COUNT') && tokens[index + 1]?.text === '(') {
      next();
      next();
      const counted = acceptSymbol(')') ? undefined : path();
      if (counted) expectSymbol(')');
      const alias = peek().kind === 'word' && !isWord('FROM') ? next().text : undefined;
      return { kind: 'count', path: counted, alias };
    }
    return { kind: 'field', path: path() };
  }

  function literal(): Literal {
    const token = next();
    switch (token.kind) {
      case 'string':
        return { kind: 'string', value: token.text };
      case 'number':
        return { kind: 'number', value: Number(token.text) };
      case 'date':
        return { kind: 'date', value: token.text };
      case 'datetime':
        return { kind: 'datetime', value: new Date(token.text).toISOString() };
      case 'word': {
        const word = token.text.toUpperCase();
        if (word === 'NULL') return { kind: 'null' };
        if (word === 'TRUE' || word === 'FALSE') return { kind: 'boolean', value: word === 'TRUE' };
        if (dateRanges.has(word)) return { kind: 'dateRange', name: word };
        if (dateRangesWithN.has(word)) {
          expectSymbol(':');
          const n = next();
          if (n.kind !== 'number' || !/^\d+$/.test(n.text)) fail(n);
          return { kind: 'dateRange', name: word, n: Number(n.text) };
        }
        return fail(token);
      }
      default:
        return fail(token);
    }
  }

  function primary(): Condition {
    if (acceptSymbol('(')) {
      const inner = orCondition();
      expectSymbol(')');
      return inner;
    }
    const field = path();
    if (isWord('LIKE')) {
      next();
      const pattern = next();
      if (pattern.kind !== 'string') fail(pattern);
      return { kind: 'like', path: field, pattern: pattern.text };
    }
    const negated = isWord('NOT');
    if (negated) next();
    if (isWord('IN')) {
      next();
      expectSymbol('(');
      const values = [literal()];
      while (acceptSymbol(',')) values.push(literal());
      expectSymbol(')');
      return { kind: 'in', path: field, negated, values };
    }
    if (negated) fail();
    const operator = peek();
    if (operator.kind !== 'symbol' || !comparisonOperators.has(operator.text)) fail(operator);
    next();
    const symbol = (operator.text === '<>' ? '!=' : operator.text) as ComparisonOperator;
    return { kind: 'compare', path: field, operator: symbol, value: literal() };
  }

  function notCondition(): Condition {
    if (isWord('NOT')) {
      next();
      return { kind: 'not', item: notCondition() };
    }
    return primary();
  }

  function andCondition(): Condition {
    const items = [notCondition()];
    while (isWord('AND')) {
      next();
      items.push(notCondition());
    }
    return items.length === 1 ? (items[0] as Condition) : { kind: 'and', items };
  }

  function orCondition(): Condition {
    const items = [andCondition()];
    while (isWord('OR')) {
      next();
      items.push(andCondition());
    }
    return items.length === 1 ? (items[0] as Condition) : { kind: 'or', items };
  }

  function orderItem(): OrderItem {
    const field = path();
    let descending = false;
    if (isWord('ASC') || isWord('DESC')) descending = next().text.toUpperCase() === 'DESC';
    // Salesforce's default: nulls first ascending, last descending.
    let nullsLast = descending;
    if (isWord('NULLS')) {
      next();
      if (isWord('FIRST')) nullsLast = false;
      else if (isWord('LAST')) nullsLast = true;
      else fail();
      next();
    }
    return { path: field, descending, nullsLast };
  }

  function count(): number {
    const token = next();
    if (token.kind !== 'number' || !/^\d+$/.test(token.text)) fail(token);
    return Number(token.text);
  }

  expectWord('SELECT');
  const select = [selectItem()];
  while (acceptSymbol(',')) select.push(selectItem());
  expectWord('FROM');
  const from = peek();
  if (from.kind !== 'word' || from.text.includes('.')) fail(from);
  next();
  const statement: SoqlStatement = { select, from: from.text, orderBy: [] };
  if (isWord('WHERE')) {
    next();
    statement.where = orCondition();
  }
  if (isWord('ORDER')) {
    next();
    expectWord('BY');
    statement.orderBy.push(orderItem());
    while (acceptSymbol(',')) statement.orderBy.push(orderItem());
  }
  if (isWord('LIMIT')) {
    next();
    statement.limit = count();
  }
  if (isWord('OFFSET')) {
    next();
    statement.offset = count();
  }
  if (peek().kind !== 'end') fail();
  return statement;
}
