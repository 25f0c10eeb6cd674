/**
 * What a record destination's write modes (`mode`, the one vocabulary of node-kit's `writeModes`)
 * and a mirror's `mirrorScope` do, in a line a person reads beside the picker.
 */

/** One line per write mode, the same for every destination, in its word for its records; a connector's own words go in the tooltip. */
const modeHints: Record<string, (records: string) => string> = {
  insert: () => 'Adds every record as new; nothing is matched by key.',
  append: () => 'Adds the run’s records after what is already there.',
  replace: () => 'Swaps the contents for the run’s records when the run succeeds.',
  update: (records) => `Updates ${records} whose key the destination holds; rejects records with a key it lacks.`,
  upsert: (records) => `Updates ${records} with the same key, inserts the others; nothing is deleted.`,
  mirror: (records) => `Upserts by key, and deletes ${records} this flow synced that the source no longer has.`,
};

/**
 * A one-line hint of what `mode` does (a mirror's by its `mirrorScope`), `records` being what the
 * destination calls them (rows, records, contacts); undefined for a mode it does not know.
 */
export function modeHint(mode: string | undefined, mirrorScope?: unknown, records = 'records'): string | undefined {
  if (mode === 'mirror' && mirrorScope === 'all')
    return `Upserts by key, and deletes all ${records} whose key the source lacks, even ${records} this flow never wrote.`;
  return mode === undefined ? undefined : modeHints[mode]?.(records);
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
