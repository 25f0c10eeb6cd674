import { describe, expect, it } from 'vitest';
import { connectorModeWords, modeHint, recordsWord } from './write-modes.ts';

describe('modeHint', () => {
  it('says what each keyed mode does, and a mirror with scope all that it deletes rows the flow never wrote', () => {
    expect(modeHint('update', undefined, 'rows')).toBe(
      'Updates rows whose key the destination holds; rejects records with a key it lacks.',
    );
    expect(modeHint('mirror', 'all', 'contacts')).toBe(
      'Upserts by key, and deletes all contacts whose key the source lacks, even contacts this flow never wrote.',
    );
    expect(modeHint('upsert')).toMatch(/nothing is deleted/);
    expect(modeHint('mirror')).toMatch(/deletes records this flow synced/);
    expect(modeHint('mirror', 'flow')).toBe(modeHint('mirror'));
    expect(modeHint('mirror', 'all')).toMatch(/even records this flow never wrote/);
    // Scope is a mirror's only.
    expect(modeHint('upsert', 'all')).toBe(modeHint('upsert'));
  });

  it('has no hint for no mode or one it does not know', () => {
    expect(modeHint(undefined)).toBeUndefined();
    expect(modeHint('merge')).toBeUndefined();
  });
});

describe('connectorModeWords', () => {
  const duckdb =
    'insert appends the records; replace swaps the table contents for them; upsert replaces rows with the same key and inserts the others. Every mode applies when the run completes, all at once.';
  const salesforce =
    'upsert: by externalIdField, so a replayed batch overwrites itself. update: by Id. insert: new records.';

  it('finds the clause of the description that starts with the mode', () => {
    expect(connectorModeWords('upsert', duckdb)).toBe('upsert replaces rows with the same key and inserts the others');
    expect(connectorModeWords('replace', duckdb)).toBe('replace swaps the table contents for them');
    expect(connectorModeWords('update', salesforce)).toBe('update: by Id');
    expect(connectorModeWords('insert', salesforce)).toBe('insert: new records');
  });

  it('finds nothing for a mode the description does not name, or no description', () => {
    expect(connectorModeWords('mirror', duckdb)).toBeUndefined();
    // "inserts" inside another clause is not the insert mode's clause start.
    expect(connectorModeWords('insert', 'upsert: inserts the others')).toBeUndefined();
    expect(connectorModeWords('upsert', undefined)).toBeUndefined();
  });
});

describe('recordsWord', () => {
  it('reads the word a destination uses for its records from its mirrorScope description', () => {
    expect(recordsWord('mode mirror: flow deletes only rows this flow synced before and …')).toBe('rows');
    expect(recordsWord('mode mirror: flow deletes only contacts this flow synced')).toBe('contacts');
    expect(recordsWord(undefined)).toBe('records');
  });
});
