import { type ObjectType, objectTypes } from './catalog.ts';

/** A CRM record as the sandbox keeps it; every property value is text, as HubSpot sends them. */
export interface CrmRecord {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

export interface Owner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** One direction of an association: `from` is linked to `to` with these type ids. */
export interface AssociationRow {
  fromType: ObjectType;
  fromId: string;
  toType: ObjectType;
  toId: string;
  typeIds: number[];
}

/** The parts of the store saved separately, so a write rewrites only what changed. */
export type StorePart = ObjectType | 'associations' | 'owners' | 'meta';

export interface StoreSnapshot {
  records: Record<ObjectType, CrmRecord[]>;
  associations: AssociationRow[];
  owners: Owner[];
  nextId: number;
}

/**
 * The portal's data, indexed in memory: records per object type (in id order, which is creation
 * order), unique-value indexes (contacts' email, companies' domain), associations both ways and
 * owners. Writes mark their part dirty; `persist` (the disk store's) saves the dirty parts.
 */
export class CrmStore {
  readonly #records = new Map<ObjectType, Map<string, CrmRecord>>(objectTypes.map((type) => [type, new Map()]));
  /** `type\u0000property\u0000lower-case value` → id of the live record holding it. */
  readonly #unique = new Map<string, string>();
  /** `fromType\u0000fromId\u0000toType` → toId → type ids. */
  readonly #associations = new Map<string, Map<string, number[]>>();
  readonly #owners = new Map<string, Owner>();
  readonly #dirty = new Set<StorePart>();
  #nextId = 1001;
  #saving: Promise<void> = Promise.resolve();

  constructor(
    /** Properties whose values are unique per object type. */
    private readonly uniqueProperties: Record<ObjectType, string[]>,
    private readonly persist: (store: CrmStore, parts: Set<StorePart>) => Promise<void> = async () => {},
  ) {}

  newId(): string {
    this.#dirty.add('meta');
    return String(this.#nextId++);
  }

  get(type: ObjectType, id: string): CrmRecord | undefined {
    return this.#records.get(type)?.get(id);
  }

  /** Live and archived records of a type, in id order. */
  all(type: ObjectType): IterableIterator<CrmRecord> {
    return this.#records.get(type)?.values() ?? [].values();
  }

  count(type: ObjectType): number {
    return this.#records.get(type)?.size ?? 0;
  }

  /** The live record whose unique `property` holds `value` (case-insensitive), if any. */
  findUnique(type: ObjectType, property: string, value: string): CrmRecord | undefined {
    const id = this.#unique.get(uniqueKey(type, property, value));
    return id === undefined ? undefined : this.get(type, id);
  }

  /** Inserts or replaces a record, keeping the unique indexes in step. */
  put(type: ObjectType, record: CrmRecord): void {
    const records = this.#records.get(type) as Map<string, CrmRecord>;
    const previous = records.get(record.id);
    for (const property of this.uniqueProperties[type]) {
      const before = previous && !previous.archived ? previous.properties[property] : undefined;
      if (before) this.#unique.delete(uniqueKey(type, property, before));
      const after = record.archived ? undefined : record.properties[property];
      if (after) this.#unique.set(uniqueKey(type, property, after), record.id);
    }
    records.set(record.id, record);
    this.#dirty.add(type);
  }

  /** The records `fromId` is associated to in `toType`: toId → type ids. */
  associationsOf(fromType: ObjectType, fromId: string, toType: ObjectType): Map<string, number[]> {
    return this.#associations.get(associationKey(fromType, fromId, toType)) ?? new Map();
  }

  /** Adds type ids to one direction of an association (callers add the inverse direction too). */
  associate(row: AssociationRow): void {
    const key = associationKey(row.fromType, row.fromId, row.toType);
    const targets = this.#associations.get(key) ?? new Map<string, number[]>();
    this.#associations.set(key, targets);
    const typeIds = new Set([...(targets.get(row.toId) ?? []), ...row.typeIds]);
    targets.set(
      row.toId,
      [...typeIds].sort((a, b) => a - b),
    );
    this.#dirty.add('associations');
  }

  /** Removes one direction of an association, all its types. */
  dissociate(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): void {
    const key = associationKey(fromType, fromId, toType);
    const targets = this.#associations.get(key);
    if (!targets?.delete(toId)) return;
    if (targets.size === 0) this.#associations.delete(key);
    this.#dirty.add('associations');
  }

  owners(): IterableIterator<Owner> {
    return this.#owners.values();
  }

  getOwner(id: string): Owner | undefined {
    return this.#owners.get(id);
  }

  putOwner(owner: Owner): void {
    this.#owners.set(owner.id, owner);
    this.#dirty.add('owners');
  }

  /**
   * Saves what changed since the last call (a no-op for the memory store); resolves once every
   * write begun so far is done. Write routes await it before answering: acknowledged means saved.
   */
  flush(): Promise<void> {
    if (this.#dirty.size > 0) {
      const parts = new Set(this.#dirty);
      this.#dirty.clear();
      this.#saving = this.#saving.then(() => this.persist(this, parts));
    }
    return this.#saving;
  }

  snapshot(): StoreSnapshot {
    const associations: AssociationRow[] = [];
    for (const [key, targets] of this.#associations) {
      const [fromType, fromId, toType] = key.split('\u0000') as [ObjectType, string, ObjectType];
      for (const [toId, typeIds] of targets) associations.push({ fromType, fromId, toType, toId, typeIds });
    }
    return {
      records: Object.fromEntries(objectTypes.map((type) => [type, [...this.all(type)]])) as StoreSnapshot['records'],
      associations,
      owners: [...this.#owners.values()],
      nextId: this.#nextId,
    };
  }

  /** Loads a saved snapshot into this (empty) store, without marking anything dirty. */
  restore(snapshot: Partial<StoreSnapshot>): void {
    for (const type of objectTypes) {
      const records = [...(snapshot.records?.[type] ?? [])].sort((a, b) => Number(a.id) - Number(b.id));
      for (const record of records) this.put(type, record);
    }
    for (const row of snapshot.associations ?? []) this.associate(row);
    for (const owner of snapshot.owners ?? []) this.putOwner(owner);
    this.#nextId = snapshot.nextId ?? this.#nextId;
    this.#dirty.clear();
  }
}

const uniqueKey = (type: ObjectType, property: string, value: string) =>
  `${type}\u0000${property}\u0000${value.toLowerCase()}`;

const associationKey = (fromType: ObjectType, fromId: string, toType: ObjectType) =>
  `${fromType}\u0000${fromId}\u0000${toType}`;
