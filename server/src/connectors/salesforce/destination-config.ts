/** `salesforce.destination`'s config: one declaration for the JSON Schema and the TypeScript type. */
import { type Static, Type } from '@sinclair/typebox';
import { idMapProperty, lookupsProperty } from '../../node-kit/id-lookups.ts';
import { modeProperty, recordOf } from '../../node-kit/schema.ts';
import { connectionProperties } from './connection.ts';

export const salesforceModes = ['insert', 'update', 'upsert'] as const;

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
        'upsert: by externalIdField, so a replayed batch overwrites itself. update: by Id. insert: new records.',
    }),
    externalIdField: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z][A-Za-z0-9_]*$',
        title: 'External ID field',
        description: 'The upsert key, an external ID field such as External_Id__c.',
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
