/** `salesforce.source`'s config: one declaration for the JSON Schema and the TypeScript type. */
import { type Static, Type } from '@sinclair/typebox';
import { oneOf, recordOf } from '../../node-kit/schema.ts';
import { connectionProperties } from './connection.ts';

export const bulkChoices = ['auto', 'always', 'never'] as const;

/** Rows above which `bulk: 'auto'` reads an object through a Bulk API 2.0 query job. */
export const defaultSourceBulkThreshold = 50_000;

const name = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]*$' });

export const salesforceSourceConfig = Type.Object(
  {
    ...connectionProperties,
    objects: Type.Optional(
      Type.Array(name, {
        minItems: 1,
        uniqueItems: true,
        title: 'Objects',
        description: 'Objects to read, one stream each, in this order (Account before Contact).',
      }),
    ),
    query: Type.Optional(
      Type.String({
        minLength: 1,
        title: 'SOQL query',
        description:
          'One SOQL query instead of objects; its stream is named after the object it reads. Add ORDER BY Id so a resumed read skips exactly what was read.',
      }),
    ),
    fields: Type.Optional(
      recordOf(
        Type.Array(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)*$' }), { minItems: 1 }),
        {
          title: 'Fields',
          description:
            'Object → fields to read (Account.Name reads a related record); default every field but compound and base64 ones.',
        },
      ),
    ),
    incremental: Type.Optional(
      Type.Object(
        {
          lookbackSeconds: Type.Optional(
            Type.Integer({
              minimum: 0,
              title: 'Lookback (seconds)',
              description:
                'Re-read records changed this long before where the last run ended (SystemModstamp lags commits).',
            }),
          ),
        },
        {
          additionalProperties: false,
          title: 'Incremental',
          description: 'Read only records whose SystemModstamp moved since the last succeeded run.',
        },
      ),
    ),
    bulk: Type.Optional(
      oneOf(bulkChoices, {
        title: 'Bulk API',
        default: 'auto',
        description: 'auto: a Bulk API 2.0 query job for an object holding more than bulkThreshold records, else REST.',
      }),
    ),
    bulkThreshold: Type.Optional(
      Type.Integer({ minimum: 0, title: 'Bulk threshold (records)', default: defaultSourceBulkThreshold }),
    ),
  },
  {
    title: 'Salesforce source',
    additionalProperties: false,
    oneOf: [
      { title: 'Read objects', required: ['objects'] },
      { title: 'Read a SOQL query', required: ['query'] },
    ],
  },
);

export type SalesforceSourceConfig = Static<typeof salesforceSourceConfig>;
