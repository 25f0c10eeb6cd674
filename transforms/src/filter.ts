import { TransformError } from './errors.ts';
import { compileExpression } from './filter-evaluate.ts';
import { type CompareOperator, type Expression, parseExpression } from './filter-expression.ts';

export type WhereOperator =
  | 'eq'
  | 'ne'
  | 'lt'
  | 'lte'
  | 'gt'
  | 'gte'
  | 'in'
  | 'not_in'
  | 'is_null'
  | 'not_null'
  | 'contains'
  | 'starts_with';

export interface WhereCondition {
  /** A field name or dotted path, e.g. `customer.country`. */
  field: string;
  op: WhereOperator;
  value?: unknown;
}

export interface FilterConfig {
  /** An expression such as `status = 'paid' and amount > 100` (see `parseExpression` for the language). */
  expression?: string;
  /** Conditions that must all hold. */
  where?: WhereCondition[];
}

export type RecordFilter = (record: Record<string, unknown>) => boolean;

const COMPARISONS = new Map<string, CompareOperator>([
  ['eq', '='],
  ['ne', '!='],
  ['lt', '<'],
  ['lte', '<='],
  ['gt', '>'],
  ['gte', '>='],
]);

/**
 * Compiles a filter once: a record passes when the expression and every `where` condition hold. Both
 * are turned into one expression tree, so they share the same comparison and null rules (see
 * `compileExpression`). A syntax error throws `expression-invalid` with its column; a malformed condition throws
 * `config-invalid`.
 */
export function compileFilter(config: FilterConfig): RecordFilter {
  if (config.expression === undefined && config.where === undefined) {
    throw new TransformError('config_invalid', 'a filter needs an expression or where conditions');
  }
  const parts: Expression[] = [];
  if (config.expression !== undefined) parts.push(parseExpression(config.expression));
  for (const [index, condition] of (config.where ?? []).entries()) parts.push(conditionToExpression(condition, index));
  // One n-ary `and`, however many conditions: it loops instead of recursing (none holds vacuously).
  const matches = compileExpression({ kind: 'and', operands: parts });
  return (record) => matches(record) === true;
}

function conditionToExpression(condition: WhereCondition, index: number): Expression {
  const path = `where[${index}]`;
  const fail = (message: string) => new TransformError('config_invalid', `${path}: ${message}`, { path });
  if (typeof condition.field !== 'string' || condition.field === '') throw fail('field must be a field name');
  const field: Expression = { kind: 'field', path: condition.field.split('.') };
  const value: Expression = { kind: 'literal', value: condition.value ?? null };
  const { op } = condition;
  if (op === 'is_null' || op === 'not_null') return { kind: 'is-null', operand: field, negated: op === 'not_null' };
  if (condition.value === undefined || condition.value === null) {
    throw fail(
      `"${op}" needs a value${op === 'eq' || op === 'ne' ? '; use is_null or not_null to test for null' : ''}`,
    );
  }
  const operator = COMPARISONS.get(op);
  if (operator) return { kind: 'compare', operator, left: field, right: value };
  if (op === 'in' || op === 'not_in') {
    if (!Array.isArray(condition.value)) throw fail(`"${op}" needs a list of values`);
    const list = condition.value.map((item): Expression => ({ kind: 'literal', value: item }));
    return { kind: 'in', operand: field, list, negated: op === 'not_in' };
  }
  if (op === 'contains' || op === 'starts_with') return { kind: 'call', name: op, args: [field, value] };
  throw fail(`unknown operator "${String(op)}"`);
}
