import { type ObjectSchema, type ObjectType, objectTypes, type PropertyDefinition, schemaFor } from './catalog.ts';

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

/** A property the portal's users made (`POST /crm/v3/properties/{type}`), archived ones kept. */
export interface CustomProperty extends PropertyDefinition {
  description: string;
  displayOrder: number;
  formField: boolean;
  hidden: boolean;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

/** One direction of an association: `from` is linked to `to` with these type ids. */
export interface AssociationRow {
  fromType: ObjectType;
  fromId: string;
  toType: ObjectType;
  toId: string;
  typeIds: number[];
}

/** One change to the portal, whole (a record as it now is, an association's types now, `[]` when gone). */
export type StoreChange =
  | { kind: 'record'; type: ObjectType; record: CrmRecord }
  | { kind: 'association'; row: AssociationRow }
  | { kind: 'owner'; owner: Owner }
  | { kind: 'property'; type: ObjectType; property: CustomProperty }
  | { kind: 'nextId'; nextId: number };

export interface StoreSnapshot {
  records: Record<ObjectType, CrmRecord[]>;
  associations: AssociationRow[];
  owners: Owner[];
  /** Custom properties, archived ones included; absent in snapshots written before they existed. */
  properties?: Record<ObjectType, CustomProperty[]>;
  nextId: number;
}

/**
 * The portal's data, indexed in memory: records per object type (in id order, which is creation
 * order), custom properties, unique-value indexes (contacts' email, companies' domain, custom
 * properties with `hasUniqueValue`), associations both ways and owners. With `persist` (the disk store's), every write also notes its change; `flush` hands the
 * changes since the last flush over, the latest state of each thing once.
 */
export class CrmStore {
  readonly #records = new Map<ObjectType, Map<string, CrmRecord>>(objectTypes.map((type) => [type, new Map()]));
  /** `type\u0000property\u0000lower-case value` → id of the live record holding it. */
  readonly #unique = new Map<string, string>();
  /** `fromType\u0000fromId\u0000toType` → toId → type ids. */
  readonly #associations = new Map<string, Map<string, number[]>>();
  readonly #owners = new Map<string, Owner>();
  readonly #custom = new Map<ObjectType, Map<string, CustomProperty>>(objectTypes.map((type) => [type, new Map()]));
  /** Each type's schema with its live custom properties, and the names of its unique properties; rebuilt when a property changes. */
  readonly #schemas = new Map<ObjectType, { schema: ObjectSchema; unique: string[] }>();
  /** Changes not yet flushed, keyed by what they change; only kept when there is somewhere to persist them. */
  readonly #changes = new Map<string, StoreChange>();
  #recording: boolean;
  #nextId = 1001;
  #saving: Promise<void> = Promise.resolve();

  constructor(private readonly persist?: (changes: StoreChange[]) => Promise<void>) {
    this.#recording = persist !== undefined;
  }

  /** The schema of an object type as named in a path (`contacts`, `contact`, `0-1`): HubSpot's properties, then live custom ones. */
  schema(objectType: string): ObjectSchema {
    return this.#schemaOf(schemaFor(objectType).type).schema;
  }

  #schemaOf(type: ObjectType): { schema: ObjectSchema; unique: string[] } {
    let entry = this.#schemas.get(type);
    if (!entry) {
      const base = schemaFor(type);
      const custom = [...(this.#custom.get(type)?.values() ?? [])].filter((property) => !property.archived);
      const schema = { ...base, properties: [...base.properties, ...custom] };
      const unique = schema.properties.filter((property) => property.hasUniqueValue).map((property) => property.name);
      entry = { schema, unique };
      this.#schemas.set(type, entry);
    }
    return entry;
  }

  /** Custom properties of a type in creation order, archived ones included. */
  customProperties(type: ObjectType): CustomProperty[] {
    return [...(this.#custom.get(type)?.values() ?? [])];
  }

  customProperty(type: ObjectType, name: string): CustomProperty | undefined {
    return this.#custom.get(type)?.get(name);
  }

  /** Adds or replaces a custom property (archiving is a replace), re-indexing its values when it is unique. */
  putProperty(type: ObjectType, property: CustomProperty): void {
    this.#custom.get(type)?.set(property.name, property);
    this.#schemas.delete(type);
    for (const record of this.all(type)) {
      const value = record.properties[property.name];
      if (!value || record.archived) continue;
      const key = uniqueKey(type, property.name, value);
      if (property.hasUniqueValue && !property.archived) this.#unique.set(key, record.id);
      else if (this.#unique.get(key) === record.id) this.#unique.delete(key);
    }
    this.#note(`property\u0000${type}\u0000${property.name}`, { kind: 'property', type, property });
  }

  newId(): string {
    const id = String(this.#nextId++);
    this.#note('nextId', { kind: 'nextId', nextId: this.#nextId });
    return id;
  }

  #note(key: string, change: StoreChange): void {
    if (!this.#recording) return;
    this.#changes.delete(key);
    this.#changes.set(key, change);
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
    for (const property of this.#schemaOf(type).unique) {
      const before = previous && !previous.archived ? previous.properties[property] : undefined;
      if (before) this.#unique.delete(uniqueKey(type, property, before));
      const after = record.archived ? undefined : record.properties[property];
      if (after) this.#unique.set(uniqueKey(type, property, after), record.id);
    }
    records.set(record.id, record);
    this.#note(`record\u0000${type}\u0000${record.id}`, { kind: 'record', type, record });
  }

  /** The records `fromId` is associated to in `toType`: toId → type ids. */
  associationsOf(fromType: ObjectType, fromId: string, toType: ObjectType): Map<string, number[]> {
    return this.#associations.get(associationKey(fromType, fromId, toType)) ?? new Map();
  }

  /** Adds type ids to one direction of an association (callers add the inverse direction too). */
  associate(row: AssociationRow): void {
    const current = this.associationsOf(row.fromType, row.fromId, row.toType).get(row.toId) ?? [];
    const typeIds = [...new Set([...current, ...row.typeIds])].sort((a, b) => a - b);
    this.#setAssociation({ ...row, typeIds });
  }

  /** Removes one direction of an association, all its types. */
  dissociate(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): void {
    if (!this.associationsOf(fromType, fromId, toType).has(toId)) return;
    this.#setAssociation({ fromType, fromId, toType, toId, typeIds: [] });
  }

  /** Makes one direction of an association exactly `row.typeIds` (none: removed). */
  #setAssociation(row: AssociationRow): void {
    const key = associationKey(row.fromType, row.fromId, row.toType);
    const targets = this.#associations.get(key) ?? new Map<string, number[]>();
    if (row.typeIds.length > 0) targets.set(row.toId, row.typeIds);
    else targets.delete(row.toId);
    if (targets.size > 0) this.#associations.set(key, targets);
    else this.#associations.delete(key);
    this.#note(`association\u0000${key}\u0000${row.toId}`, { kind: 'association', row });
  }

  owners(): IterableIterator<Owner> {
    return this.#owners.values();
  }

  getOwner(id: string): Owner | undefined {
    return this.#owners.get(id);
  }

  putOwner(owner: Owner): void {
    this.#owners.set(owner.id, owner);
    this.#note(`owner\u0000${owner.id}`, { kind: 'owner', owner });
  }

  /**
   * Saves what changed since the last call (a no-op for the memory store); resolves once every
   * write begun so far is done. Write routes await it before answering: acknowledged means saved.
   */
  flush(): Promise<void> {
    if (this.persist && this.#changes.size > 0) {
      const changes = [...this.#changes.values()];
      this.#changes.clear();
      const persist = this.persist;
      this.#saving = this.#saving.then(() => persist(changes));
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
      properties: Object.fromEntries(
        objectTypes.map((type) => [type, this.customProperties(type)]),
      ) as StoreSnapshot['properties'],
      records: Object.fromEntries(objectTypes.map((type) => [type, [...this.all(type)]])) as StoreSnapshot['records'],
      associations,
      owners: [...this.#owners.values()],
      nextId: this.#nextId,
    };
  }

  /** Loads a saved snapshot, then the changes made since, into this (empty) store; nothing is noted. */
  load(snapshot: Partial<StoreSnapshot>, changes: StoreChange[]): void {
    this.#recording = false;
    for (const type of objectTypes) {
      for (const property of snapshot.properties?.[type] ?? []) this.putProperty(type, property);
    }
    for (const type of objectTypes) {
      const records = [...(snapshot.records?.[type] ?? [])].sort((a, b) => Number(a.id) - Number(b.id));
      for (const record of records) this.put(type, record);
    }
    for (const row of snapshot.associations ?? []) this.#setAssociation(row);
    for (const owner of snapshot.owners ?? []) this.putOwner(owner);
    this.#nextId = snapshot.nextId ?? this.#nextId;
    for (const change of changes) {
      if (change.kind === 'record') this.put(change.type, change.record);
      else if (change.kind === 'association') this.#setAssociation(change.row);
      else if (change.kind === 'owner') this.putOwner(change.owner);
      else if (change.kind === 'property') this.putProperty(change.type, change.property);
      else this.#nextId = change.nextId;
    }
    this.#recording = this.persist !== undefined;
  }
}

const uniqueKey = (type: ObjectType, property: string, value: string) =>
  `${type}\u0000${property}\u0000${value.toLowerCase()}`;

const associationKey = (fromType: ObjectType, fromId: string, toType: ObjectType) =>
  `${fromType}\u0000${fromId}\u0000${toType}`;
