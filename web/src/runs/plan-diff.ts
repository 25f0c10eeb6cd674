/**
 * A dry run's sampled changes (`PlannedStream.changes`) as a diff table: one row per change, the
 * key, and per field what the destination holds now and what it would hold. The plan carries raw
 * records; this decides what each cell says and which fields a reader needs to see.
 */
import type { PlannedChange, PlannedStream } from '../api/types.ts';

type Rec = Record<string, unknown>;

/**
 * What one field of one change does:
 * - `added`: an insert's value (there is no before);
 * - `removed`: a delete's value as the destination holds it now (shown struck through);
 * - `changed`: an update from `before` to `after`;
 * - `same`: an update that leaves this field as it is;
 * - `sent`: an update's value when the destination's record now is not known (no before read);
 * - `absent`: the change has no value for the field.
 */
export type DiffCellKind = 'added' | 'removed' | 'changed' | 'same' | 'sent' | 'absent';

export interface DiffCell {
  kind: DiffCellKind;
  before?: string;
  after?: string;
  /** The value is null (or missing), not the text "null": the cell says so in its own style. */
  beforeNull?: true;
  afterNull?: true;
}

export interface DiffRow {
  action: PlannedChange['action'];
  /** The key values as one line: `42`, or `region=eu, id=42` for a key of several fields. */
  key: string;
  /** False for an update or delete whose record now the destination could not tell. */
  beforeKnown: boolean;
  cells: Record<string, DiffCell>;
}

export interface DiffTable {
  /** The key's fields, shown in the key column (not again as fields). */
  keyFields: string[];
  /** Every other field any change names, in the order first seen. */
  fields: string[];
  /** The fields some change adds, removes, changes or sends (the rest every change leaves as it is). */
  touched: Set<string>;
  rows: DiffRow[];
}

/** Inserts first, then updates, then deletes, the order a reader scans a plan in. */
const actionOrder: Record<PlannedChange['action'], number> = { insert: 0, update: 1, delete: 2 };

/** A value as a cell shows it: text as it is, null as `null`, dates as ISO text, the rest as JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const numeric = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/**
 * Whether the destination's value and the value sent say the same thing. They come from two
 * systems, so types may differ (`42` and `"42"`, `12.5` and `"12.50"` from a DECIMAL column):
 * equal text, or numerals of one number, are the same.
 */
export function sameValue(before: unknown, after: unknown): boolean {
  const a = cellText(before);
  const b = cellText(after);
  if (a === b) return true;
  if (!numeric.test(a) || !numeric.test(b)) return false;
  const [x, y] = [Number(a), Number(b)];
  // Past 2^53 two numerals may round to one double while naming two integers: those differ.
  return x === y && Number.isSafeInteger(Math.trunc(x)) && Number.isSafeInteger(Math.trunc(y));
}

function keyText(key: Rec, keyFields: readonly string[]): string {
  if (keyFields.length === 1) return cellText(key[keyFields[0]!]);
  return keyFields.map((field) => `${field}=${cellText(key[field])}`).join(', ');
}

/** The cell with null flags for the values it shows that are null. */
function withNulls(cell: DiffCell, before: unknown, after: unknown): DiffCell {
  return {
    ...cell,
    ...(cell.before !== undefined && (before === null || before === undefined) ? { beforeNull: true } : {}),
    ...(cell.after !== undefined && (after === null || after === undefined) ? { afterNull: true } : {}),
  };
}

function cellOf(change: PlannedChange, field: string): DiffCell {
  return withNulls(bareCellOf(change, field), change.before?.[field], change.after?.[field]);
}

function bareCellOf(change: PlannedChange, field: string): DiffCell {
  const { before, after } = change;
  const had = before !== undefined && field in before;
  const has = after !== undefined && field in after;
  if (change.action === 'delete')
    return had ? { kind: 'removed', before: cellText(before[field]) } : { kind: 'absent' };
  if (change.action === 'insert' || before === undefined) {
    if (!has) return { kind: 'absent' };
    return { kind: change.action === 'insert' ? 'added' : 'sent', after: cellText(after[field]) };
  }
  if (!has) return had ? { kind: 'same', before: cellText(before[field]) } : { kind: 'absent' };
  const was = had ? cellText(before[field]) : undefined;
  const now = cellText(after[field]);
  if (had && sameValue(before[field], after[field])) return { kind: 'same', before: was!, after: now };
  return { kind: 'changed', ...(was === undefined ? {} : { before: was }), after: now };
}

/** The diff table of a stream's sampled changes; undefined when it has none. */
export function planDiff(changes: readonly PlannedChange[] | undefined): DiffTable | undefined {
  if (!changes || changes.length === 0) return undefined;
  const keyFields = [...new Set(changes.flatMap((change) => Object.keys(change.key)))];
  const keys = new Set(keyFields);
  const fields = [
    ...new Set(changes.flatMap((change) => [...Object.keys(change.after ?? {}), ...Object.keys(change.before ?? {})])),
  ].filter((field) => !keys.has(field));
  const touched = new Set<string>();
  const rows = [...changes]
    .sort((a, b) => actionOrder[a.action] - actionOrder[b.action])
    .map((change): DiffRow => {
      const cells: Record<string, DiffCell> = {};
      for (const field of fields) {
        const cell = cellOf(change, field);
        cells[field] = cell;
        if (cell.kind !== 'same' && cell.kind !== 'absent') touched.add(field);
      }
      return {
        action: change.action,
        key: keyText(change.key, keyFields),
        beforeKnown: change.action === 'insert' || change.before !== undefined,
        cells,
      };
    });
  return { keyFields, fields, touched, rows };
}

/** Whether a plan's stream comes from diffing (inserts, updates, deletes, unchanged) rather than a CRM's planning alone. */
export function isDiffed(stream: PlannedStream): boolean {
  return stream.unchanged !== undefined || stream.delete !== undefined || stream.changes !== undefined;
}
