/**
 * What a record destination's write modes (`mode`, the one vocabulary of node-kit's `writeModes`)
 * and a mirror's `mirrorScope` do, in a line a person reads beside the picker.
 */

/** One line per write mode, the same for every destination; a connector's own words go in the tooltip. */
const modeHints: Record<string, string> = {
  insert: 'Adds every record as a new row; nothing is matched by key.',
  append: 'Adds the run’s records after what is already there.',
  replace: 'Swaps the contents for the run’s records when the run succeeds.',
  update: 'Updates the rows whose key the destination holds; a record with a key it lacks is rejected.',
  upsert: 'Updates the row with the same key, inserts the others; nothing is deleted.',
  mirror:
    'Upserts by key, and deletes the rows this flow synced before that the source no longer has (or archives them where the API cannot delete).',
};

/** What mirror does with mirrorScope all: the line that replaces the usual one. */
const mirrorAllHint =
  'Upserts by key, and deletes every row of the destination whose key the source does not have, including rows this flow never wrote.';

/** A one-line hint of what `mode` does (a mirror's by its `mirrorScope`); undefined for a mode it does not know. */
export function modeHint(mode: string | undefined, mirrorScope?: unknown): string | undefined {
  if (mode === 'mirror' && mirrorScope === 'all') return mirrorAllHint;
  return mode === undefined ? undefined : modeHints[mode];
}

/**
 * The connector's own words for `mode`, out of its mode description: the clause that starts with the
 * mode's name (`upsert replaces rows with the same key…`, `update: by Id`), clauses being split at `;`
 * and sentence ends.
 */
export function connectorModeWords(mode: string | undefined, description: unknown): string | undefined {
  if (mode === undefined || typeof description !== 'string') return undefined;
  const clauses = description.split(/;\s*|\.\s+/).map((clause) => clause.trim());
  const starts = new RegExp(`^${mode.replace(/[^a-z]/gi, '')}\\b:?\\s*`, 'i');
  const clause = clauses.find((candidate) => starts.test(candidate));
  return clause?.replace(/\.$/, '');
}

/**
 * What a destination calls its records (`rows`, `records`, `contacts`), as its `mirrorScope`
 * description says (node-kit's mirrorScopeProperty: "flow deletes only <records> this flow synced…").
 */
export function recordsWord(mirrorScopeDescription: unknown): string {
  const found =
    typeof mirrorScopeDescription === 'string' ? /flow deletes only (\S+)/.exec(mirrorScopeDescription) : null;
  return found?.[1] ?? 'records';
}
