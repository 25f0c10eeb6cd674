/** `salesforce.destination`'s config: one declaration for the JSON Schema and the TypeScript type. */
import { type Static, Type } from '@sinclair/typebox';
import type { ConfigIssue } from '../../node-kit/contract.ts';
import { idMapProperty, lookupsProperty } from '../../node-kit/id-lookups.ts';
import { mirrorScopeProperty, modeProperty, recordOf } from '../../node-kit/schema.ts';
import { connectionProperties } from './connection.ts';

export const salesforceModes = ['insert', 'update', 'upsert', 'mirror'] as const;

/** Records of a stream after which the rest of it goes through Bulk API 2.0 ingest jobs. */
export const defaultDestinationBulkThreshold = 10_000;

const objectName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]*$' });

export const salesforceDestinationConfig = Type.Object(
  {
    ...connectionProperties,
    object: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z][A-Za-z0-9_]*$',
        title: 'Object',
        description:
          'The object every stream is written to; without it, a stream goes to the object it is named after.',
      }),
    ),
    objects: Type.Optional(
      recordOf(objectName, { title: 'Objects', description: 'Stream → object, e.g. { "customers": "Contact" }.' }),
    ),
    mode: modeProperty(salesforceModes, {
      default: 'upsert',
      description:
        'upsert: by externalIdField, so a replayed batch overwrites itself. update: by Id; a record whose Id the org does not hold is rejected. insert: new records. mirror: upsert by externalIdField, and delete the records that vanished from the source.',
    }),
    mirrorScope: mirrorScopeProperty('records'),
    externalIdField: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z][A-Za-z0-9_]*$',
        title: 'External ID field',
        description: 'The upsert and mirror key, an external ID field such as External_Id__c.',
      }),
    ),
    bulkThreshold: Type.Optional(
      Type.Integer({
        minimum: 0,
        default: defaultDestinationBulkThreshold,
        title: 'Bulk threshold (records)',
        description: 'Once a stream has passed this many records, the rest goes through Bulk API 2.0 ingest jobs.',
      }),
    ),
    idMap: idMapProperty('Salesforce'),
    lookups: lookupsProperty({
      title: 'Lookups',
      description:
        'Salesforce field → where its Id comes from, e.g. { "AccountId": { "from": "company_id", "object": "companies" } }. A source id not in the ID map rejects the record (or, with missing: skip, leaves the field unset).',
    }),
    owners: Type.Optional(
      Type.Object(
        {
          from: Type.String({
            minLength: 1,
            title: 'Owner email field',
            description:
              "The record field holding the owner's email (a dotted path such as Owner.Email reaches inside); not sent.",
          }),
          field: Type.Optional(
            Type.String({
              pattern: '^[A-Za-z][A-Za-z0-9_]*$',
              default: 'OwnerId',
              title: 'Owner field',
              description: 'The User lookup field set to the active User with that email.',
            }),
          ),
        },
        {
          additionalProperties: false,
          title: 'Owners by email',
          description:
            "Sets each record's owner to the active User with the email it holds; an email no active User has leaves the owner as Salesforce sets it.",
        },
      ),
    ),
  },
  { title: 'Salesforce destination', additionalProperties: false },
);

export type SalesforceDestinationConfig = Static<typeof salesforceDestinationConfig>;

/**
 * What the schema cannot say: upsert and mirror need the external ID field they match records by,
 * a mirror cannot be a migration (its ID map), and `mirrorScope` belongs to a mirror.
 */
export function checkDestinationConfig(config: SalesforceDestinationConfig): ConfigIssue[] {
  const mode = config.mode ?? 'upsert';
  const issues: ConfigIssue[] = [];
  if ((mode === 'upsert' || mode === 'mirror') && config.externalIdField === undefined) {
    issues.push({
      path: 'externalIdField',
      message: `${mode === 'upsert' ? 'an upsert' : 'a mirror'} needs the external ID field it matches records by`,
    });
  }
  if (mode === 'mirror' && config.idMap) {
    issues.push({
      path: 'mode',
      message:
        'a mirror syncs by externalIdField and cannot be a migration: remove idMap, or use insert or upsert to migrate',
    });
  }
  if (config.mirrorScope === 'all' && mode !== 'mirror') {
    issues.push({ path: 'mirrorScope', message: `mirrorScope all applies to mode mirror only, not ${mode}` });
  }
  return issues;
}

/**
 * The field a sync is diffed on (DestinationType.syncKey): the external ID field of an upsert or a
 * mirror, the `Id` of an update; none for an insert or a migration (idMap), which reads back what it
 * wrote instead.
 */
export function syncKeyOf(config: SalesforceDestinationConfig): string[] | undefined {
  const mode = config.mode ?? 'upsert';
  if (config.idMap || mode === 'insert') return undefined;
  if (mode === 'update') return ['Id'];
  return config.externalIdField === undefined ? undefined : [config.externalIdField];
}
