import { readField } from './field-path.ts';
import type { CompareOperator, Expression, FunctionName } from './filter-expression.ts';
import { valueToText } from './value-text.ts';

/**
 * Interprets a parsed filter expression against one record. It never throws: a missing field is null,
 * and any comparison with null is false (so is `like`), except `is null`. `and`, `or` and `not` treat
 * anything but `true` as false. Numbers compare with numeric text numerically, exactly for integers of
 * any size (BIGINT values travel as strings of digits); text compares by code point.
 */
export function evaluate(expression: Expression, record: object): unknown {
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'field':
      return readField(record, expression.path) ?? null;
    case 'not':
      return evaluate(expression.operand, record) !== true;
    case 'and':
      return evaluate(expression.left, record) === true && evaluate(expression.right, record) === true;
    case 'or':
      return evaluate(expression.left, record) === true || evaluate(expression.right, record) === true;
    case 'compare':
      return compareWith(expression.operator, evaluate(expression.left, record), evaluate(expression.right, record));
    case 'in': {
      const value = evaluate(expression.operand, record);
      if (value === null) return false;
      const found = expression.list.some((item) => compareValues(value, evaluate(item, record)) === 0);
      return found !== expression.negated;
    }
    case 'is-null':
      return (evaluate(expression.operand, record) === null) !== expression.negated;
    case 'like': {
      const value = evaluate(expression.operand, record);
      const pattern = evaluate(expression.pattern, record);
      if (value === null || pattern === null) return false;
      return likePattern(valueToText(pattern)).test(valueToText(value)) !== expression.negated;
    }
    case 'call':
      return callFunction(
        expression.name,
        expression.args.map((arg) => evaluate(arg, record)),
      );
  }
}

function compareWith(operator: CompareOperator, left: unknown, right: unknown): boolean {
  if (left === null || right === null) return false;
  const order = compareValues(left, right);
  // Values of kinds that do not compare (text against a boolean, objects) are simply different.
  if (order === undefined) return operator === '!=';
  switch (operator) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;
const NUMBER_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

type Numeric = number | bigint;

/** The order of two values (-1, 0, 1), or undefined when they are not comparable. */
export function compareValues(left: unknown, right: unknown): number | undefined {
  if (typeof left === 'string' && typeof right === 'string') return compareCodePoints(left, right);
  if (typeof left === 'boolean' || typeof right === 'boolean') {
    const a = asBoolean(left);
    const b = asBoolean(right);
    return a === undefined || b === undefined ? undefined : Number(a) - Number(b);
  }
  const isNumber = (value: unknown) => typeof value === 'number' || typeof value === 'bigint';
  if (!isNumber(left) && !isNumber(right)) return undefined;
  const a = asNumeric(left);
  const b = asNumeric(right);
  return a === undefined || b === undefined ? undefined : compareNumeric(a, b);
}

function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

/** Numbers as they are; numeric text as a bigint (integers, exactly) or a number. */
function asNumeric(value: unknown): Numeric | undefined {
  if (typeof value === 'number') return Number.isNaN(value) ? undefined : value;
  if (typeof value === 'bigint') return value;
  if (typeof value !== 'string') return undefined;
  if (INTEGER_TEXT.test(value)) return BigInt(value.trim());
  return NUMBER_TEXT.test(value) ? Number(value) : undefined;
}

function compareNumeric(a: Numeric, b: Numeric): number {
  // Integers compare exactly as bigints; anything with a fraction compares as doubles.
  const exact = (value: Numeric) => typeof value === 'bigint' || Number.isInteger(value);
  if (exact(a) && exact(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Code point order (as DuckDB sorts UTF-8), which differs from UTF-16 order around astral characters. */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    if (a.charCodeAt(index) !== b.charCodeAt(index)) return a.codePointAt(index)! < b.codePointAt(index)! ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

const likeCache = new Map<string, RegExp>();

/** `%` matches any text, `_` one character, `\` makes the next character literal. */
function likePattern(pattern: string): RegExp {
  let regex = likeCache.get(pattern);
  if (regex) return regex;
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else if (char === '\\' && index + 1 < pattern.length) source += escapeRegExp(pattern[++index]!);
    else source += escapeRegExp(char);
  }
  // `u` makes `_` match a whole astral character, `s` lets `%` and `_` match line breaks.
  regex = new RegExp(`^${source}$`, 'su');
  if (likeCache.size > 1000) likeCache.clear();
  likeCache.set(pattern, regex);
  return regex;
}

function escapeRegExp(char: string): string {
  return /[\^$\\.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

function callFunction(name: FunctionName, args: unknown[]): unknown {
  const [first = null, second = null] = args;
  switch (name) {
    case 'coalesce':
      return args.find((arg) => arg !== null) ?? null;
    case 'lower':
      return first === null ? null : valueToText(first).toLowerCase();
    case 'upper':
      return first === null ? null : valueToText(first).toUpperCase();
    case 'length':
      if (first === null) return null;
      return Array.isArray(first) ? first.length : [...valueToText(first)].length;
    case 'contains':
      if (first === null || second === null) return null;
      if (Array.isArray(first)) return first.some((item) => item !== null && compareValues(item, second) === 0);
      return valueToText(first).includes(valueToText(second));
    case 'starts_with':
      return first === null || second === null ? null : valueToText(first).startsWith(valueToText(second));
    case 'ends_with':
      return first === null || second === null ? null : valueToText(first).endsWith(valueToText(second));
  }
}
