/**
 * The objects the sandbox org has and their fields: the one description that validation, SOQL,
 * describe and the demo seed all read. Field names are case-insensitive in the API, so lookups go
 * through lower-cased maps; answers always use the names declared here.
 */
export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'reference'
  | 'address';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  /** Characters, for text types. */
  length?: number;
  /** Required on create (not nillable, no default). */
  required?: boolean;
  picklist?: string[];
  /** Values outside `picklist` are refused (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST). */
  restricted?: boolean;
  /** Set on create when the record gives no value. */
  defaultValue?: string | boolean;
  referenceTo?: string;
  relationshipName?: string;
  externalId?: boolean;
  unique?: boolean;
  /** Set by the org (Id, audit fields) or computed: never written by a client. */
  system?: boolean;
  /** Computed on read from other fields (Contact.Name, Account.BillingAddress). */
  compute?: (record: StoredRecord) => unknown;
  /** For the parts of a compound field: the compound's name. */
  compoundFieldName?: string;
  precision?: number;
  scale?: number;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: FieldDef[];
}

/** A stored record: field name → value (text, number, boolean or null; datetimes as ISO text in UTC). */
export type StoredRecord = Record<string, string | number | boolean | null> & { Id: string };

export const stageNames = [
  'Prospecting',
  'Qualification',
  'Needs Analysis',
  'Value Proposition',
  'Id. Decision Makers',
  'Perception Analysis',
  'Proposal/Price Quote',
  'Negotiation/Review',
  'Closed Won',
  'Closed Lost',
];

export const industries = [
  'Agriculture',
  'Banking',
  'Education',
  'Energy',
  'Healthcare',
  'Manufacturing',
  'Retail',
  'Technology',
];

export const leadStatuses = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Closed - Converted',
  'Closed - Not Converted',
];

const text = (name: string, label: string, length: number, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  label,
  type: 'string',
  length,
  ...extra,
});

const lookup = (name: string, label: string, referenceTo: string, relationshipName: string): FieldDef => ({
  name,
  label,
  type: 'reference',
  length: 18,
  referenceTo,
  relationshipName,
});

const fullName = (record: StoredRecord) =>
  [record.FirstName, record.LastName].filter((part) => typeof part === 'string' && part !== '').join(' ') || null;

/** Fields every object has: the id, the audit trail, the recycle-bin flag and the external ids. */
function systemFields(withOwner: boolean): FieldDef[] {
  return [
    { name: 'Id', label: 'Record ID', type: 'id', length: 18, system: true },
    { name: 'IsDeleted', label: 'Deleted', type: 'boolean', system: true },
    ...(withOwner ? [lookup('OwnerId', 'Owner ID', 'User', 'Owner')] : []),
    { name: 'CreatedDate', label: 'Created Date', type: 'datetime', system: true },
    { ...lookup('CreatedById', 'Created By ID', 'User', 'CreatedBy'), system: true },
    { name: 'LastModifiedDate', label: 'Last Modified Date', type: 'datetime', system: true },
    { ...lookup('LastModifiedById', 'Last Modified By ID', 'User', 'LastModifiedBy'), system: true },
    { name: 'SystemModstamp', label: 'System Modstamp', type: 'datetime', system: true },
    text('External_Id__c', 'External ID', 255, { externalId: true, unique: true }),
  ];
}

function address(prefix: string, label: string): FieldDef[] {
  const compound = `${prefix}Address`;
  const part = (name: string, partLabel: string, length: number, type: FieldType = 'string'): FieldDef => ({
    name: `${prefix}${name}`,
    label: `${label} ${partLabel}`,
    type,
    length,
    compoundFieldName: compound,
  });
  return [
    part('Street', 'Street', 255, 'textarea'),
    part('City', 'City', 40),
    part('State', 'State/Province', 80),
    part('PostalCode', 'Zip/Postal Code', 20),
    part('Country', 'Country', 80),
    {
      name: compound,
      label: `${label} Address`,
      type: 'address',
      system: true,
      compute: (record) => {
        const value = {
          city: record[`${prefix}City`] ?? null,
          country: record[`${prefix}Country`] ?? null,
          geocodeAccuracy: null,
          latitude: null,
          longitude: null,
          postalCode: record[`${prefix}PostalCode`] ?? null,
          state: record[`${prefix}State`] ?? null,
          street: record[`${prefix}Street`] ?? null,
        };
        return [value.city, value.country, value.postalCode, value.state, value.street].some((v) => v !== null)
          ? value
          : null;
      },
    },
  ];
}

export const objects: ObjectDef[] = [
  {
    name: 'Account',
    label: 'Account',
    labelPlural: 'Accounts',
    keyPrefix: '001',
    fields: [
      ...systemFields(true),
      text('Legacy_Id__c', 'Legacy ID', 64, { externalId: true }),
      text('Name', 'Account Name', 255, { required: true }),
      {
        name: 'Type',
        label: 'Account Type',
        type: 'picklist',
        length: 255,
        picklist: ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Channel Partner / Reseller', 'Other'],
      },
      {
        name: 'Industry',
        label: 'Industry',
        type: 'picklist',
        length: 255,
        picklist: industries,
      },
      { name: 'Website', label: 'Website', type: 'url', length: 255 },
      { name: 'Phone', label: 'Account Phone', type: 'phone', length: 40 },
      { name: 'AnnualRevenue', label: 'Annual Revenue', type: 'currency', precision: 18, scale: 0 },
      { name: 'NumberOfEmployees', label: 'Employees', type: 'int', precision: 8 },
      ...address('Billing', 'Billing'),
      { name: 'Description', label: 'Account Description', type: 'textarea', length: 32000 },
    ],
  },
  {
    name: 'Contact',
    label: 'Contact',
    labelPlural: 'Contacts',
    keyPrefix: '003',
    fields: [
      ...systemFields(true),
      text('Legacy_Id__c', 'Legacy ID', 64, { externalId: true }),
      lookup('AccountId', 'Account ID', 'Account', 'Account'),
      text('FirstName', 'First Name', 40),
      text('LastName', 'Last Name', 80, { required: true }),
      { ...text('Name', 'Full Name', 121), system: true, compute: fullName },
      { name: 'Email', label: 'Email', type: 'email', length: 80 },
      { name: 'Phone', label: 'Business Phone', type: 'phone', length: 40 },
      text('Title', 'Title', 128),
      { name: 'Birthdate', label: 'Birthdate', type: 'date' },
      { name: 'HasOptedOutOfEmail', label: 'Email Opt Out', type: 'boolean', defaultValue: false },
      ...address('Mailing', 'Mailing'),
    ],
  },
  {
    name: 'Lead',
    label: 'Lead',
    labelPlural: 'Leads',
    keyPrefix: '00Q',
    fields: [
      ...systemFields(true),
      text('FirstName', 'First Name', 40),
      text('LastName', 'Last Name', 80, { required: true }),
      { ...text('Name', 'Full Name', 121), system: true, compute: fullName },
      text('Company', 'Company', 255, { required: true }),
      { name: 'Email', label: 'Email', type: 'email', length: 80 },
      { name: 'Phone', label: 'Phone', type: 'phone', length: 40 },
      {
        name: 'Status',
        label: 'Status',
        type: 'picklist',
        length: 255,
        picklist: leadStatuses,
        restricted: true,
        defaultValue: 'Open - Not Contacted',
      },
      {
        name: 'LeadSource',
        label: 'Lead Source',
        type: 'picklist',
        length: 255,
        picklist: ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'],
      },
      { name: 'AnnualRevenue', label: 'Annual Revenue', type: 'currency', precision: 18, scale: 0 },
    ],
  },
  {
    name: 'Opportunity',
    label: 'Opportunity',
    labelPlural: 'Opportunities',
    keyPrefix: '006',
    fields: [
      ...systemFields(true),
      lookup('AccountId', 'Account ID', 'Account', 'Account'),
      text('Name', 'Name', 120, { required: true }),
      {
        name: 'StageName',
        label: 'Stage',
        type: 'picklist',
        length: 255,
        picklist: stageNames,
        restricted: true,
        required: true,
      },
      { name: 'CloseDate', label: 'Close Date', type: 'date', required: true },
      { name: 'Amount', label: 'Amount', type: 'currency', precision: 18, scale: 2 },
      { name: 'Probability', label: 'Probability (%)', type: 'percent', precision: 3, scale: 0 },
      {
        name: 'IsClosed',
        label: 'Closed',
        type: 'boolean',
        system: true,
        compute: (r) => /^Closed/.test(String(r.StageName)),
      },
      { name: 'IsWon', label: 'Won', type: 'boolean', system: true, compute: (r) => r.StageName === 'Closed Won' },
      { name: 'Description', label: 'Description', type: 'textarea', length: 32000 },
    ],
  },
  {
    name: 'User',
    label: 'User',
    labelPlural: 'Users',
    keyPrefix: '005',
    fields: [
      ...systemFields(false),
      text('Username', 'Username', 80, { required: true, unique: true }),
      text('FirstName', 'First Name', 40),
      text('LastName', 'Last Name', 80, { required: true }),
      { ...text('Name', 'Full Name', 121), system: true, compute: fullName },
      { name: 'Email', label: 'Email', type: 'email', length: 128, required: true },
      text('Alias', 'Alias', 8, { required: true }),
      { name: 'IsActive', label: 'Active', type: 'boolean', defaultValue: true },
      text('Title', 'Title', 80),
    ],
  },
];

/** One object's definition with case-insensitive field and relationship lookups. */
export class SObjectType {
  readonly #fields = new Map<string, FieldDef>();
  readonly #relationships = new Map<string, FieldDef>();

  constructor(readonly def: ObjectDef) {
    for (const field of def.fields) {
      this.#fields.set(field.name.toLowerCase(), field);
      if (field.relationshipName) this.#relationships.set(field.relationshipName.toLowerCase(), field);
    }
  }

  get name(): string {
    return this.def.name;
  }

  get fields(): FieldDef[] {
    return this.def.fields;
  }

  field(name: string): FieldDef | undefined {
    return this.#fields.get(name.toLowerCase());
  }

  /** The lookup field behind a relationship name (`Account` → `AccountId`). */
  relationship(name: string): FieldDef | undefined {
    return this.#relationships.get(name.toLowerCase());
  }

  /** Fields an upsert or a relationship reference can match on. */
  get externalIdFields(): FieldDef[] {
    return this.def.fields.filter((field) => field.externalId);
  }

  /** Fields the store indexes: external ids and unique fields. */
  get indexedFields(): FieldDef[] {
    return this.def.fields.filter((field) => field.externalId || field.unique);
  }
}

/** All objects of the org, found by name (case-insensitive) or by id key prefix. */
export class Schema {
  readonly #byName = new Map<string, SObjectType>();
  readonly #byPrefix = new Map<string, SObjectType>();

  constructor(defs: ObjectDef[] = objects) {
    for (const def of defs) {
      const type = new SObjectType(def);
      this.#byName.set(def.name.toLowerCase(), type);
      this.#byPrefix.set(def.keyPrefix, type);
    }
  }

  get types(): SObjectType[] {
    return [...this.#byName.values()];
  }

  type(name: string): SObjectType | undefined {
    return this.#byName.get(name.toLowerCase());
  }

  typeOfId(id: string): SObjectType | undefined {
    return this.#byPrefix.get(id.slice(0, 3));
  }
}
