/** `hubspot.destination`'s config: one TypeBox declaration, the schema and the type. */
import { type Static, Type } from '@sinclair/typebox';
import type { ConfigIssue } from '../../node-kit/contract.ts';
import { modeProperty, recordOf } from '../../node-kit/schema.ts';
import { connectionProperties } from './connection.ts';

export const hubspotModes = ['insert', 'update', 'upsert'] as const;

/** The batch endpoints take 100 inputs at most. */
export const maxInputs = 100;

const objectName = Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_-]+$' });

export const hubspotDestinationConfig = Type.Object(
  {
    ...connectionProperties,
    object: Type.Optional({
      ...objectName,
      title: 'Object',
      description:
        'The CRM object every stream is written to (contacts, companies, deals, …). Default: the stream name.',
    }),
    objects: Type.Optional(
      recordOf(objectName, {
        title: 'Objects per stream',
        description: 'Stream → CRM object, e.g. { "customers": "contacts" }; wins over `object`.',
      }),
    ),
    mode: modeProperty(hubspotModes, {
      description:
        'insert: batch create; update: batch update of existing records by `idProperty` (default: the record id); upsert: batch upsert by `idProperty` (a replayed batch overwrites itself).',
    }),
    idProperty: Type.Optional(
      Type.String({
        minLength: 1,
        title: 'ID property',
        description:
          'The unique property records are matched by (email for contacts, domain for companies, or a custom unique property). Required for upsert; for update the default is the record id (`id`).',
      }),
    ),
    batchSize: Type.Optional(
      Type.Integer({ minimum: 1, maximum: maxInputs, default: maxInputs, title: 'Records per request' }),
    ),
  },
  { additionalProperties: false },
);

export type HubspotDestinationConfig = Static<typeof hubspotDestinationConfig>;

/** What the schema cannot say: upsert needs a unique property, and HubSpot's record id is not one. */
export function checkDestinationConfig(config: HubspotDestinationConfig): ConfigIssue[] {
  if (config.mode !== 'upsert') return [];
  if (config.idProperty === undefined || config.idProperty === 'hs_object_id' || config.idProperty === 'id') {
    return [
      {
        path: 'idProperty',
        message:
          'upsert matches records by a unique property (email for contacts, domain for companies, or a custom unique property): name it in idProperty. HubSpot refuses to upsert by the record id; to write by id, use mode update.',
      },
    ];
  }
  return [];
}

/** Whether records are matched by HubSpot's record id (`id` of the record) rather than a property. */
export function matchesById(config: Pick<HubspotDestinationConfig, 'idProperty'>): boolean {
  return config.idProperty === undefined || config.idProperty === 'hs_object_id' || config.idProperty === 'id';
}
