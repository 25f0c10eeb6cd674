import { type ObjectType, type PropertyOption, type PropertyType, schemaFor } from './catalog.ts';
import { HubspotError, invalidInput } from './errors.ts';
import type { CrmStore, CustomProperty } from './store.ts';

/** The `fieldType`s HubSpot accepts for each `type` (its properties guide's table, calculations left out). */
const fieldTypes: Record<PropertyType, string[]> = {
  string: ['text', 'textarea', 'phonenumber', 'html', 'file'],
  number: ['number'],
  date: ['date'],
  datetime: ['date'],
  enumeration: ['booleancheckbox', 'checkbox', 'radio', 'select'],
  bool: ['booleancheckbox'],
};

/** HubSpot allows at most ten unique properties an object. */
const uniqueLimit = 10;
const namePattern = /^[a-z][a-z0-9_]{0,99}$/;
const boolOptions: PropertyOption[] = [
  { label: 'True', value: 'true' },
  { label: 'False', value: 'false' },
];

/** The property groups of an object type: the groups its HubSpot-defined properties are in. */
const groupsOf = (type: ObjectType) => new Set(schemaFor(type).properties.map((property) => property.groupName));

const text = (body: Record<string, unknown>, key: string) =>
  typeof body[key] === 'string' ? (body[key] as string) : undefined;

function checkOptions(raw: unknown, name: string): PropertyOption[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw invalidInput(`Property ${name} of type enumeration needs at least one option.`);
  }
  const seen = new Set<string>();
  return raw.map((option, index) => {
    const { label, value } = (option ?? {}) as { label?: unknown; value?: unknown };
    if (typeof label !== 'string' || label === '' || typeof value !== 'string' || value === '') {
      throw invalidInput(`Option ${index} of property ${name} needs a label and a value.`);
    }
    if (seen.has(value)) throw invalidInput(`Option value ${value} appears twice in property ${name}.`);
    seen.add(value);
    return { label, value };
  });
}

function checkFieldType(type: PropertyType, fieldType: string, name: string): void {
  const allowed = fieldTypes[type];
  if (!allowed.includes(fieldType)) {
    throw invalidInput(
      `fieldType ${fieldType} is not valid for property ${name} of type ${type}; use one of [${allowed.join(', ')}].`,
    );
  }
}

function checkGroup(type: ObjectType, groupName: string): void {
  if (!groupsOf(type).has(groupName)) {
    throw invalidInput(`Property group ${groupName} does not exist for object type ${type}.`);
  }
}

/**
 * Creates a custom property from a `POST /crm/v3/properties/{objectType}` body, checked as HubSpot
 * checks it: the required fields, a lower-case internal name, a `fieldType` that fits the `type`, an
 * existing group, options for enumerations, `hasUniqueValue` only on text and numbers and at most
 * ten unique properties. A name already taken (a HubSpot-defined property or a custom one, archived
 * or not) is a 409.
 */
export function createCustomProperty(
  store: CrmStore,
  objectType: string,
  body: Record<string, unknown>,
  now: string,
): CustomProperty {
  const type = schemaFor(objectType).type;
  const missing = ['name', 'label', 'type', 'fieldType', 'groupName'].filter((key) => !text(body, key));
  if (missing.length > 0) {
    throw invalidInput(
      `Invalid input JSON: Cannot build PropertyCreate, some of required attributes are not set [${missing.join(', ')}]`,
    );
  }
  const name = text(body, 'name') as string;
  if (!namePattern.test(name)) {
    throw invalidInput(
      `Property name ${name} is not valid: it must start with a lower-case letter and hold only lower-case letters, digits and underscores (at most 100).`,
    );
  }
  const propertyType = text(body, 'type') as PropertyType;
  if (!(propertyType in fieldTypes)) {
    throw invalidInput(`type ${propertyType} is not one of [${Object.keys(fieldTypes).join(', ')}].`);
  }
  const fieldType = text(body, 'fieldType') as string;
  checkFieldType(propertyType, fieldType, name);
  const groupName = text(body, 'groupName') as string;
  checkGroup(type, groupName);
  const hasUniqueValue = body.hasUniqueValue === true;
  if (hasUniqueValue && propertyType !== 'string' && propertyType !== 'number') {
    throw invalidInput(
      `Property ${name} of type ${propertyType} cannot have unique values; only text and numbers can.`,
    );
  }
  const schema = store.schema(type);
  if (schema.properties.some((property) => property.name === name) || store.customProperty(type, name)) {
    throw new HubspotError(409, 'OBJECT_ALREADY_EXISTS', `Property named '${name}' already exists.`);
  }
  if (hasUniqueValue && schema.properties.filter((property) => property.hasUniqueValue).length >= uniqueLimit) {
    throw invalidInput(`Object type ${type} already has ${uniqueLimit} unique properties, the most it can have.`);
  }
  const options =
    propertyType === 'enumeration'
      ? checkOptions(body.options, name)
      : propertyType === 'bool'
        ? Array.isArray(body.options) && body.options.length > 0
          ? checkOptions(body.options, name)
          : boolOptions
        : [];
  const property: CustomProperty = {
    name,
    label: text(body, 'label') as string,
    type: propertyType,
    fieldType,
    groupName,
    options,
    hasUniqueValue,
    description: text(body, 'description') ?? '',
    displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1,
    formField: body.formField === true,
    hidden: body.hidden === true,
    createdAt: now,
    updatedAt: now,
    archived: false,
  };
  store.putProperty(type, property);
  return property;
}

/**
 * Applies a `PATCH /crm/v3/properties/{objectType}/{name}` body to a custom property: label,
 * description, group, fieldType (one its type takes), options, displayOrder, formField, hidden.
 * Changing `type` or `hasUniqueValue` is refused (HubSpot only makes new properties unique).
 */
export function updateCustomProperty(
  store: CrmStore,
  type: ObjectType,
  current: CustomProperty,
  body: Record<string, unknown>,
  now: string,
): CustomProperty {
  const { name } = current;
  if (body.type !== undefined && body.type !== current.type) {
    throw invalidInput(`The sandbox does not change the type of property ${name}; create a new property instead.`);
  }
  if (body.hasUniqueValue !== undefined && body.hasUniqueValue !== current.hasUniqueValue) {
    throw invalidInput(`hasUniqueValue of property ${name} cannot be changed; only new properties can be unique.`);
  }
  const fieldType = text(body, 'fieldType') ?? current.fieldType;
  checkFieldType(current.type, fieldType, name);
  const groupName = text(body, 'groupName') ?? current.groupName;
  checkGroup(type, groupName);
  const label = text(body, 'label') ?? current.label;
  if (label === '') throw invalidInput(`The label of property ${name} cannot be empty.`);
  const options =
    body.options !== undefined && (current.type === 'enumeration' || current.type === 'bool')
      ? checkOptions(body.options, name)
      : current.options;
  const updated: CustomProperty = {
    ...current,
    label,
    fieldType,
    groupName,
    ...(options ? { options } : {}),
    description: text(body, 'description') ?? current.description,
    displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : current.displayOrder,
    formField: typeof body.formField === 'boolean' ? body.formField : current.formField,
    hidden: typeof body.hidden === 'boolean' ? body.hidden : current.hidden,
    updatedAt: now,
  };
  store.putProperty(type, updated);
  return updated;
}

/** Archives a custom property: it leaves the schema (its values stay on records, hidden) and its unique values are freed. */
export function archiveCustomProperty(store: CrmStore, type: ObjectType, current: CustomProperty, now: string): void {
  if (current.archived) return;
  store.putProperty(type, { ...current, archived: true, archivedAt: now, updatedAt: now });
}
