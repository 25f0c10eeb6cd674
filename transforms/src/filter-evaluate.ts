import { readField } from './field-path.ts';
import type { CompareOperator, Expression, FunctionName } from './filter-expression.ts';
import { valueToText } from './value-text.ts';

/** A compiled expression: the value it has for one record. */
export type Evaluator = (record: object) => unknown;

/**
 * Turns a parsed filter expression into a function of a record, once, so a record costs one call per
 * node of the tree and no dispatch on its kind. The function never throws: a missing field is null,
 * and any comparison with null is false (so is `like`), except `is null`. `and`, `or` and `not` treat
 * anything but `true` as false. Numbers compare with numeric text numerically, exactly for integers of
 * any size (BIGINT values travel as strings of digits); text compares by code point. It recurses once
 * per nesting level, which the parser bounds; a chain of `and`/`or` of any length is one loop.
 */
export function compileExpression(expression: Expression): Evaluator {
  switch (expression.kind) {
    case 'literal': {
      const { value } = expression;
      return () => value;
    }
    case 'field': {
      const { path } = expression;
      return (record) => readField(record, path) ?? null;
    }
    case 'not': {
      const operand = compileExpression(expression.operand);
      return (record) => operand(record) !== true;
    }
    case 'and': {
      const operands = expression.operands.map(compileExpression);
      return (record) => {
        for (const operand of operands) if (operand(record) !== true) return false;
        return true;
      };
    }
    case 'or': {
      const operands = expression.operands.map(compileExpression);
      return (record) => {
        for (const operand of operands) if (operand(record) === true) return true;
        return false;
      };
    }
    case 'compare': {
      const { operator } = expression;
      const left = compileExpression(expression.left);
      const right = compileExpression(expression.right);
      return (record) => compareWith(operator, left(record), right(record));
    }
    case 'in': {
      const { negated } = expression;
      const operand = compileExpression(expression.operand);
      const list = expression.list.map(compileExpression);
      return (record) => {
        const value = operand(record);
        if (value === null) return false;
        return list.some((item) => compareValues(value, item(record)) === 0) !== negated;
      };
    }
    case 'is-null': {
      const { negated } = expression;
      const operand = compileExpression(expression.operand);
      return (record) => (operand(record) === null) !== negated;
    }
    case 'like': {
      const { negated } = expression;
      const operand = compileExpression(expression.operand);
      const pattern = compileExpression(expression.pattern);
      return (record) => {
        const value = operand(record);
        const text = pattern(record);
        if (value === null || text === null) return false;
        return likePattern(valueToText(text)).test(valueToText(value)) !== negated;
      };
    }
    case 'call': {
      const { name } = expression;
      const args = expression.args.map(compileExpression);
      return (record) =>
        callFunction(
          name,
          args.map((arg) => arg(record)),
        );
    }
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
  if (!isNumber(left) && !isNumber(right)) return undefined;
  const a = asNumeric(left);
  const b = asNumeric(right);
  return a === undefined || b === undefined ? undefined : compareNumeric(a, b);
}

// Helpers stay at module level: tsx (esbuild's keepNames) names an inner named function with a
// defineProperty each time it is created, which made every comparison of a long `or` chain cost a microsecond.
function isNumber(value: unknown): value is Numeric {
  return typeof value === 'number' || typeof value === 'bigint';
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
  // Two doubles compare exactly as they are (the common case, kept cheap for long `or` chains).
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  // Integers compare exactly as bigints; anything with a fraction compares as doubles.
  if (isExact(a) && isExact(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function isExact(value: Numeric): boolean {
  return typeof value === 'bigint' || Number.isInteger(value);
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
