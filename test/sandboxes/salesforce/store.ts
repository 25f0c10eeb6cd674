import type { Schema, StoredRecord } from './schema.ts';

/**
 * One object's records in Id order (ids count up, so insertion order is Id order), with an index
 * per external-id field. External ids match case-insensitively, as in Salesforce.
 */
export class Table {
  readonly records = new Map<string, StoredRecord>();
  readonly #indexes = new Map<string, Map<string, Set<string>>>();

  constructor(externalIdFields: string[]) {
    for (const field of externalIdFields) this.#indexes.set(field, new Map());
  }

  get(id: string): StoredRecord | undefined {
    return this.records.get(id);
  }

  /** Live records whose external id `field` equals `value` (case-insensitive). */
  findByExternalId(field: string, value: string): StoredRecord[] {
    const ids = this.#indexes.get(field)?.get(value.toLowerCase());
    if (!ids) return [];
    return [...ids].map((id) => this.records.get(id)).filter((r): r is StoredRecord => r !== undefined && !r.IsDeleted);
  }

  put(record: StoredRecord): void {
    const previous = this.records.get(record.Id);
    for (const [field, index] of this.#indexes) {
      const before = previous?.[field];
      const after = record[field];
      if (typeof before === 'string') index.get(before.toLowerCase())?.delete(record.Id);
      if (typeof after === 'string') {
        const key = after.toLowerCase();
        const ids = index.get(key) ?? new Set<string>();
        ids.add(record.Id);
        index.set(key, ids);
      }
    }
    this.records.set(record.Id, record);
  }

  /** Removes a record for good (undoing an insert); deletes by clients only flag `IsDeleted`. */
  remove(id: string): void {
    const previous = this.records.get(id);
    if (!previous) return;
    for (const [field, index] of this.#indexes) {
      const value = previous[field];
      if (typeof value === 'string') index.get(value.toLowerCase())?.delete(id);
    }
    this.records.delete(id);
  }
}

/**
 * Where the org's records live. The memory store is the whole story by default; the disk store
 * (disk-store.ts) loads from and saves to a folder around the same tables.
 */
export interface SalesforceStore {
  table(object: string): Table;
  /** The next record number; ids are made from it, so it must survive restarts with the records. */
  nextSequence(): number;
  /** Marks a table changed; `flush` saves the changed ones. */
  touch(object: string): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreState {
  sequence: number;
  tables: Map<string, Table>;
}

export function emptyState(schema: Schema): StoreState {
  const tables = new Map<string, Table>();
  for (const type of schema.types) {
    tables.set(type.name, new Table(type.indexedFields.map((field) => field.name)));
  }
  return { sequence: 0, tables };
}

export function tableOf(state: StoreState, object: string): Table {
  const table = state.tables.get(object);
  if (!table) throw new Error(`no table for ${object}`);
  return table;
}

export function createMemoryStore(schema: Schema): SalesforceStore {
  const state = emptyState(schema);
  return {
    table: (object) => tableOf(state, object),
    nextSequence: () => ++state.sequence,
    touch: () => {},
    flush: async () => {},
    close: async () => {},
  };
}
