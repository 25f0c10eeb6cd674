import { notFound } from './errors.ts';
import { type Route, sendJson } from './http.ts';
import type { Org } from './org.ts';
import { recordUrl } from './render.ts';
import type { FieldDef, FieldType, SObjectType } from './schema.ts';

const soapTypes: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  picklist: 'xsd:string',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  address: 'urn:address',
};

function objectUrls(version: string, name: string) {
  const base = `/services/data/v${version}/sobjects/${name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

/** The summary of an object in the global describe and in `GET /sobjects/<Object>`. */
function objectSummary(type: SObjectType, version: string) {
  return {
    name: type.name,
    label: type.def.label,
    labelPlural: type.def.labelPlural,
    keyPrefix: type.def.keyPrefix,
    custom: false,
    customSetting: false,
    createable: true,
    updateable: true,
    deletable: true,
    undeletable: true,
    queryable: true,
    retrieveable: true,
    searchable: true,
    layoutable: true,
    replicateable: true,
    triggerable: true,
    mergeable: false,
    activateable: false,
    feedEnabled: false,
    deprecatedAndHidden: false,
    urls: objectUrls(version, type.name),
  };
}

function fieldDescribe(field: FieldDef) {
  const writable = !field.system;
  const text = field.length !== undefined && field.type !== 'reference' && field.type !== 'id';
  const nillable = !field.required && field.type !== 'boolean' && field.name !== 'Id';
  return {
    name: field.name,
    label: field.label,
    type: field.type,
    soapType: soapTypes[field.type],
    length: text ? field.length : field.type === 'id' || field.type === 'reference' ? 18 : 0,
    byteLength: text ? (field.length ?? 0) * 3 : field.type === 'id' || field.type === 'reference' ? 18 : 0,
    precision: field.precision ?? 0,
    scale: field.scale ?? 0,
    digits: field.type === 'int' ? (field.precision ?? 9) : 0,
    nillable,
    createable: writable,
    updateable: writable,
    defaultedOnCreate: field.defaultValue !== undefined || field.system === true || field.name === 'OwnerId',
    defaultValue: field.defaultValue ?? null,
    calculated: field.compute !== undefined && field.type !== 'address',
    custom: field.name.endsWith('__c'),
    externalId: field.externalId === true,
    unique: field.unique === true,
    caseSensitive: false,
    idLookup: field.name === 'Id' || field.externalId === true || field.unique === true,
    nameField: field.name === 'Name',
    filterable: field.type !== 'address' && field.type !== 'textarea',
    sortable: field.type !== 'address' && field.type !== 'textarea',
    groupable: field.type !== 'address' && field.type !== 'textarea',
    compoundFieldName: field.compoundFieldName ?? null,
    picklistValues: (field.picklist ?? []).map((value) => ({
      active: true,
      defaultValue: value === field.defaultValue,
      label: value,
      validFor: null,
      value,
    })),
    restrictedPicklist: field.restricted === true,
    referenceTo: field.referenceTo ? [field.referenceTo] : [],
    relationshipName: field.relationshipName ?? null,
    relationshipOrder: null,
    cascadeDelete: false,
    polymorphicForeignKey: false,
    deprecatedAndHidden: false,
    htmlFormatted: false,
    autoNumber: false,
  };
}

/** Child relationships: every lookup of another object to this one (Account → Contacts). */
function childRelationships(org: Org, type: SObjectType) {
  return org.schema.types.flatMap((child) =>
    child.fields
      .filter((field) => field.referenceTo === type.name && !field.system)
      .map((field) => ({
        childSObject: child.name,
        field: field.name,
        relationshipName: field.name === 'OwnerId' ? null : child.def.labelPlural.replace(/\s/g, ''),
        cascadeDelete: false,
        restrictedDelete: false,
        deprecatedAndHidden: false,
      })),
  );
}

/** Global describe, object describe and basic object information. */
export function describeRoutes(org: Org): Route[] {
  const typeOf = (name: string) => {
    const type = org.schema.type(name);
    if (!type) throw notFound();
    return type;
  };
  return [
    {
      method: 'GET',
      path: /^\/sobjects\/?$/,
      async handle({ res, version }) {
        sendJson(res, 200, {
          encoding: 'UTF-8',
          maxBatchSize: 200,
          sobjects: org.schema.types.map((type) => objectSummary(type, version)),
        });
      },
    },
    {
      method: 'GET',
      path: /^\/sobjects\/([^/]+)\/describe\/?$/,
      async handle({ res, params, version }) {
        const type = typeOf(params[0] as string);
        sendJson(res, 200, {
          ...objectSummary(type, version),
          fields: type.fields.map(fieldDescribe),
          childRelationships: childRelationships(org, type),
          recordTypeInfos: [],
          supportedScopes: [{ label: 'All', name: 'everything' }],
        });
      },
    },
    {
      method: 'GET',
      path: /^\/sobjects\/([^/]+)\/?$/,
      async handle({ res, params, version }) {
        const type = typeOf(params[0] as string);
        const recent = [...org.store.table(type.name).records.values()].filter((r) => !r.IsDeleted).slice(-3);
        const nameField = type.field('Name');
        sendJson(res, 200, {
          objectDescribe: objectSummary(type, version),
          recentItems: recent.map((record) => ({
            attributes: { type: type.name, url: recordUrl(version, type.name, record.Id) },
            Id: record.Id,
            ...(nameField ? { Name: org.reader.value(record, nameField) } : {}),
          })),
        });
      },
    },
  ];
}
