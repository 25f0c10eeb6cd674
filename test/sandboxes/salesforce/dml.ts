import { type RecordError, RecordRefused, recordError } from './errors.ts';
import { canonicalId, recordId } from './ids.ts';
import type { FieldDef, Schema, SObjectType, StoredRecord } from './schema.ts';
import type { SalesforceStore } from './store.ts';
import { convertValue, type ValueSource } from './values.ts';

/** Who writes and how the values arrive. */
export interface WriteContext {
  /** The acting user's id: owner and audit trail of what it writes. */
  userId: string;
  source: ValueSource;
}

/** An upsert's external id matched several records (REST answers 300, collections and Bulk a record error). */
export class MultipleMatches extends RecordRefused {
  constructor(
    field: FieldDef,
    readonly matches: StoredRecord[],
  ) {
    super(
      recordError(
        'DUPLICATE_EXTERNAL_ID',
        `${field.label}: more than one record found for external id field: [${matches.map((r) => r.Id).join(', ')}]`,
        [field.name],
      ),
    );
  }
}

interface JournalEntry {
  object: string;
  id: string;
  previous: StoredRecord | undefined;
}

/**
 * Inserts, updates, upserts and deletes records with Salesforce's checks and its error codes. One
 * instance serves every API (single REST, collections, Bulk 2.0), so they refuse the same records
 * the same way. A refused record throws `RecordRefused`; `transaction` undoes a whole call for
 * `allOrNone`.
 */
export class Dml {
  #journal: JournalEntry[] | undefined;

  constructor(
    readonly schema: Schema,
    readonly store: SalesforceStore,
    readonly now: () => string,
    /** An org-wide validation rule run on every written body (the sandbox's injected faults). */
    readonly checkBody: (body: Record<string, unknown>) => RecordError | undefined = () => undefined,
  ) {}

  /** Runs `work`; when it returns false the changes it made are undone. */
  transaction<T>(work: () => { result: T; commit: boolean }): T {
    const journal: JournalEntry[] = [];
    this.#journal = journal;
    try {
      const { result, commit } = work();
      if (!commit) this.#undo(journal);
      return result;
    } catch (error) {
      this.#undo(journal);
      throw error;
    } finally {
      this.#journal = undefined;
    }
  }

  insert(type: SObjectType, body: Record<string, unknown>, context: WriteContext): StoredRecord {
    const now = this.now();
    const draft: Record<string, unknown> = {};
    this.#applyBody(type, body, draft, context.source);
    for (const field of type.fields) {
      if (field.defaultValue !== undefined && (draft[field.name] === undefined || draft[field.name] === null)) {
        draft[field.name] = field.defaultValue;
      }
    }
    if (type.field('OwnerId') && !draft.OwnerId) draft.OwnerId = context.userId;
    this.#checkRequired(type, draft);
    const id = recordId(type.def.keyPrefix, this.store.nextSequence());
    this.#checkUnique(type, draft, id);
    const record = {
      ...draft,
      Id: id,
      IsDeleted: false,
      CreatedDate: now,
      CreatedById: context.userId,
      LastModifiedDate: now,
      LastModifiedById: context.userId,
      SystemModstamp: now,
    } as StoredRecord;
    this.#write(type.name, record);
    return record;
  }

  update(type: SObjectType, id: string, body: Record<string, unknown>, context: WriteContext): StoredRecord {
    const current = this.findLive(type, id);
    const draft: Record<string, unknown> = { ...current };
    this.#applyBody(type, body, draft, context.source);
    this.#checkRequired(type, draft);
    this.#checkUnique(type, draft, current.Id);
    const now = this.now();
    const record: StoredRecord = {
      ...(draft as StoredRecord),
      LastModifiedDate: now,
      LastModifiedById: context.userId,
      SystemModstamp: now,
    };
    this.#write(type.name, record);
    return record;
  }

  /** Updates the one record whose `field` is `value`, or inserts one with it. */
  upsert(
    type: SObjectType,
    field: FieldDef,
    value: string,
    body: Record<string, unknown>,
    context: WriteContext,
  ): { record: StoredRecord; created: boolean } {
    if (field.name === 'Id') {
      if (!value) return { record: this.insert(type, body, context), created: true };
      return { record: this.update(type, value, body, context), created: false };
    }
    const matches = this.store.table(type.name).findByExternalId(field.name, value);
    if (matches.length > 1) throw new MultipleMatches(field, matches);
    const rest = withoutKey(body, field.name);
    if (matches[0]) return { record: this.update(type, matches[0].Id, rest, context), created: false };
    return { record: this.insert(type, { ...rest, [field.name]: value }, context), created: true };
  }

  /** Moves a record to the recycle bin: `IsDeleted` true, still visible to `queryAll`. */
  delete(type: SObjectType, id: string, context: WriteContext): StoredRecord {
    const current = this.findLive(type, id);
    const now = this.now();
    const record = { ...current, IsDeleted: true, LastModifiedById: context.userId, SystemModstamp: now };
    this.#write(type.name, record);
    return record;
  }

  /** The live record `id` of `type`, or a record error saying why there is none. */
  findLive(type: SObjectType, id: string): StoredRecord {
    const canonical = canonicalId(id);
    if (!canonical?.startsWith(type.def.keyPrefix)) {
      throw new RecordRefused(
        recordError('MALFORMED_ID', `${type.def.label} ID: id value of incorrect type: ${id}`, ['Id']),
      );
    }
    const record = this.store.table(type.name).get(canonical);
    if (!record) throw new RecordRefused(recordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id'));
    if (record.IsDeleted) throw new RecordRefused(recordError('ENTITY_IS_DELETED', 'entity is deleted'));
    return record;
  }

  #write(object: string, record: StoredRecord): void {
    const table = this.store.table(object);
    this.#journal?.push({ object, id: record.Id, previous: table.get(record.Id) });
    table.put(record);
    this.store.touch(object);
  }

  #undo(journal: JournalEntry[]): void {
    for (const entry of journal.reverse()) {
      const table = this.store.table(entry.object);
      if (entry.previous) table.put(entry.previous);
      else table.remove(entry.id);
    }
  }

  #applyBody(type: SObjectType, body: Record<string, unknown>, draft: Record<string, unknown>, source: ValueSource) {
    const ruleBroken = this.checkBody(body);
    if (ruleBroken) throw new RecordRefused(ruleBroken);
    for (const [key, raw] of Object.entries(body)) {
      if (key === 'attributes') continue;
      if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
        const lookup = type.relationship(key);
        if (!lookup) throw new RecordRefused(noSuchColumn(type, key));
        draft[lookup.name] = this.#resolveReference(lookup, raw as Record<string, unknown>);
        continue;
      }
      const field = type.field(key);
      if (!field) throw new RecordRefused(noSuchColumn(type, key));
      if (field.system) {
        throw new RecordRefused(
          recordError(
            'INVALID_FIELD_FOR_INSERT_UPDATE',
            `Unable to create/update fields: ${field.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
            [field.name],
          ),
        );
      }
      if (field.type === 'reference') {
        draft[field.name] = raw === null || raw === '' ? null : this.#checkReference(field, String(raw));
        continue;
      }
      const converted = convertValue(field, raw, source);
      if ('error' in converted) throw new RecordRefused(converted.error);
      draft[field.name] = converted.value;
    }
  }

  /** `"Account": { "External_Id__c": "A-1" }` → the Id of the one Account with that external id. */
  #resolveReference(lookup: FieldDef, reference: Record<string, unknown>): string {
    const target = this.schema.type(lookup.referenceTo ?? '');
    const entries = Object.entries(reference).filter(([key]) => key !== 'attributes');
    const [key, value] = entries[0] ?? [];
    const field = key === undefined || !target ? undefined : target.field(key);
    if (!target || entries.length !== 1 || !field || !(field.externalId || field.unique || field.name === 'Id')) {
      throw new RecordRefused(
        recordError(
          'INVALID_FIELD',
          `Foreign key external ID: ${String(value)} not found for field ${String(key)} in entity ${lookup.referenceTo}`,
        ),
      );
    }
    if (field.name === 'Id') return this.#checkReference(lookup, String(value));
    const matches = this.store.table(target.name).findByExternalId(field.name, String(value));
    if (matches.length === 0) {
      throw new RecordRefused(
        recordError(
          'INVALID_FIELD',
          `Foreign key external ID: ${String(value)} not found for field ${field.name} in entity ${target.name}`,
        ),
      );
    }
    if (matches.length > 1) {
      throw new RecordRefused(
        recordError(
          'INVALID_FIELD',
          `Foreign key external ID: ${String(value)} matched more than 1 record for field ${field.name} in entity ${target.name}`,
        ),
      );
    }
    return (matches[0] as StoredRecord).Id;
  }

  #checkReference(field: FieldDef, value: string): string {
    const id = canonicalId(value);
    if (!id) {
      throw new RecordRefused(
        recordError('MALFORMED_ID', `${field.label}: id value of incorrect type: ${value}`, [field.name]),
      );
    }
    const target = this.schema.type(field.referenceTo ?? '');
    if (!target || !id.startsWith(target.def.keyPrefix)) {
      throw new RecordRefused(
        recordError('FIELD_INTEGRITY_EXCEPTION', `${field.label}: id value of incorrect type: ${value}`, [field.name]),
      );
    }
    const record = this.store.table(target.name).get(id);
    if (!record || record.IsDeleted) {
      throw new RecordRefused(recordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [field.name]));
    }
    return id;
  }

  #checkRequired(type: SObjectType, draft: Record<string, unknown>): void {
    const missing = type.fields
      .filter((field) => field.required && (draft[field.name] === undefined || draft[field.name] === null))
      .map((field) => field.name);
    if (missing.length > 0) {
      throw new RecordRefused(
        recordError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing),
      );
    }
  }

  #checkUnique(type: SObjectType, draft: Record<string, unknown>, id: string): void {
    const table = this.store.table(type.name);
    for (const field of type.fields) {
      const value = draft[field.name];
      if (!field.unique || typeof value !== 'string') continue;
      const other = table.findByExternalId(field.name, value).find((record) => record.Id !== id);
      if (other) {
        throw new RecordRefused(
          recordError(
            'DUPLICATE_VALUE',
            `duplicate value found: ${field.name} duplicates value on record with id: ${other.Id}`,
          ),
        );
      }
    }
  }
}

function noSuchColumn(type: SObjectType, key: string): RecordError {
  return recordError('INVALID_FIELD', `No such column '${key}' on sobject of type ${type.name}`);
}

/** `body` without `key`, matched case-insensitively (field names are). */
function withoutKey(body: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([name]) => name.toLowerCase() !== key.toLowerCase()));
}
