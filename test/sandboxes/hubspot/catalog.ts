import { invalidInput } from './errors.ts';

export type ObjectType = 'contacts' | 'companies' | 'deals';
export const objectTypes: readonly ObjectType[] = ['contacts', 'companies', 'deals'];

/** The value types of HubSpot properties: every value travels as text, these say what text is valid. */
export type PropertyType = 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';

export interface PropertyOption {
  label: string;
  value: string;
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  options?: PropertyOption[];
  /** Values unique among live records (contacts' email, companies' domain); usable as `idProperty`. */
  hasUniqueValue?: boolean;
  /** Maintained by HubSpot; a write is a validation error. */
  readOnlyValue?: boolean;
  /** Checked against the owners (hubspot_owner_id) or the deal pipelines (pipeline, dealstage). */
  references?: 'owner' | 'pipeline' | 'dealstage';
}

export interface ObjectSchema {
  type: ObjectType;
  /** `0-1`, `0-2`, `0-3`: the ids the v4 associations API speaks in. */
  objectTypeId: string;
  /** Upper-case singular in HubSpot's messages ("Could not get some CONTACT objects"). */
  label: string;
  /** What a 409 calls an existing record ("Contact already exists. Existing ID: 51"). */
  conflictNoun: string;
  /** `lastmodifieddate` on contacts, `hs_lastmodifieddate` on companies and deals. */
  lastModifiedProperty: string;
  /** Returned when a read names no `properties`. */
  defaultProperties: string[];
  properties: PropertyDefinition[];
}

const text = (name: string, label: string, groupName: string, extra: Partial<PropertyDefinition> = {}) => ({
  name,
  label,
  type: 'string' as const,
  fieldType: 'text',
  groupName,
  ...extra,
});

const options = (...values: [string, string][]) => values.map(([value, label]) => ({ value, label }));

/** Properties every object has, maintained by HubSpot. */
function systemProperties(group: string, lastModified: string): PropertyDefinition[] {
  return [
    {
      name: 'hs_object_id',
      label: 'Record ID',
      type: 'number',
      fieldType: 'number',
      groupName: group,
      readOnlyValue: true,
    },
    { name: 'createdate', label: 'Create Date', type: 'datetime', fieldType: 'date', groupName: group },
    {
      name: lastModified,
      label: 'Last Modified Date',
      type: 'datetime',
      fieldType: 'date',
      groupName: group,
      readOnlyValue: true,
    },
    {
      name: 'hubspot_owner_id',
      label: 'Owner',
      type: 'enumeration',
      fieldType: 'select',
      groupName: group,
      references: 'owner',
    },
  ];
}

const contacts: ObjectSchema = {
  type: 'contacts',
  objectTypeId: '0-1',
  label: 'CONTACT',
  conflictNoun: 'Contact',
  lastModifiedProperty: 'lastmodifieddate',
  defaultProperties: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  properties: [
    ...systemProperties('contactinformation', 'lastmodifieddate'),
    text('email', 'Email', 'contactinformation', { hasUniqueValue: true }),
    text('firstname', 'First Name', 'contactinformation'),
    text('lastname', 'Last Name', 'contactinformation'),
    text('phone', 'Phone Number', 'contactinformation', { fieldType: 'phonenumber' }),
    text('company', 'Company Name', 'contactinformation'),
    text('jobtitle', 'Job Title', 'contactinformation'),
    text('city', 'City', 'contactinformation'),
    text('country', 'Country/Region', 'contactinformation'),
    {
      name: 'lifecyclestage',
      label: 'Lifecycle Stage',
      type: 'enumeration',
      fieldType: 'radio',
      groupName: 'contactinformation',
      options: options(
        ['subscriber', 'Subscriber'],
        ['lead', 'Lead'],
        ['marketingqualifiedlead', 'Marketing Qualified Lead'],
        ['salesqualifiedlead', 'Sales Qualified Lead'],
        ['opportunity', 'Opportunity'],
        ['customer', 'Customer'],
        ['evangelist', 'Evangelist'],
        ['other', 'Other'],
      ),
    },
    {
      name: 'hs_email_optout',
      label: 'Unsubscribed from all email',
      type: 'bool',
      fieldType: 'booleancheckbox',
      groupName: 'contactinformation',
      options: options(['true', 'True'], ['false', 'False']),
    },
    { name: 'date_of_birth', label: 'Date of birth', type: 'date', fieldType: 'date', groupName: 'contactinformation' },
  ],
};

const companies: ObjectSchema = {
  type: 'companies',
  objectTypeId: '0-2',
  label: 'COMPANY',
  conflictNoun: 'Company',
  lastModifiedProperty: 'hs_lastmodifieddate',
  defaultProperties: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  properties: [
    ...systemProperties('companyinformation', 'hs_lastmodifieddate'),
    text('name', 'Company name', 'companyinformation'),
    text('domain', 'Company Domain Name', 'companyinformation', { hasUniqueValue: true }),
    text('phone', 'Phone Number', 'companyinformation', { fieldType: 'phonenumber' }),
    text('city', 'City', 'companyinformation'),
    text('country', 'Country/Region', 'companyinformation'),
    {
      name: 'industry',
      label: 'Industry',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'companyinformation',
      options: options(
        ['COMPUTER_SOFTWARE', 'Computer Software'],
        ['FINANCIAL_SERVICES', 'Financial Services'],
        ['HOSPITAL_HEALTH_CARE', 'Hospital & Health Care'],
        ['RETAIL', 'Retail'],
        ['MANUFACTURING', 'Manufacturing'],
      ),
    },
    {
      name: 'numberofemployees',
      label: 'Number of Employees',
      type: 'number',
      fieldType: 'number',
      groupName: 'companyinformation',
    },
    {
      name: 'annualrevenue',
      label: 'Annual Revenue',
      type: 'number',
      fieldType: 'number',
      groupName: 'companyinformation',
    },
    {
      name: 'is_public',
      label: 'Is Public',
      type: 'bool',
      fieldType: 'booleancheckbox',
      groupName: 'companyinformation',
      options: options(['true', 'True'], ['false', 'False']),
    },
  ],
};

const deals: ObjectSchema = {
  type: 'deals',
  objectTypeId: '0-3',
  label: 'DEAL',
  conflictNoun: 'Deal',
  lastModifiedProperty: 'hs_lastmodifieddate',
  defaultProperties: [
    'amount',
    'closedate',
    'createdate',
    'dealname',
    'dealstage',
    'hs_lastmodifieddate',
    'hs_object_id',
    'pipeline',
  ],
  properties: [
    ...systemProperties('dealinformation', 'hs_lastmodifieddate'),
    text('dealname', 'Deal Name', 'dealinformation'),
    { name: 'amount', label: 'Amount', type: 'number', fieldType: 'number', groupName: 'dealinformation' },
    { name: 'closedate', label: 'Close Date', type: 'datetime', fieldType: 'date', groupName: 'dealinformation' },
    {
      name: 'pipeline',
      label: 'Pipeline',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'dealinformation',
      references: 'pipeline',
    },
    {
      name: 'dealstage',
      label: 'Deal Stage',
      type: 'enumeration',
      fieldType: 'radio',
      groupName: 'dealinformation',
      references: 'dealstage',
    },
    text('description', 'Deal Description', 'dealinformation', { fieldType: 'textarea' }),
  ],
};

const schemas: Record<ObjectType, ObjectSchema> = { contacts, companies, deals };

/** The names HubSpot takes for an object type in paths: plural, singular or the `0-n` id. */
const aliases = new Map<string, ObjectType>([
  ['contacts', 'contacts'],
  ['contact', 'contacts'],
  ['0-1', 'contacts'],
  ['companies', 'companies'],
  ['company', 'companies'],
  ['0-2', 'companies'],
  ['deals', 'deals'],
  ['deal', 'deals'],
  ['0-3', 'deals'],
]);

export function schemaFor(objectType: string): ObjectSchema {
  const type = aliases.get(objectType.toLowerCase());
  if (!type) throw invalidInput(`Unable to infer object type from: ${objectType}`);
  return schemas[type];
}

export function propertyOf(schema: ObjectSchema, name: string): PropertyDefinition | undefined {
  return schema.properties.find((property) => property.name === name);
}
