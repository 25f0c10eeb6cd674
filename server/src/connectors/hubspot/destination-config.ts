/** `hubspot.destination`'s config: one TypeBox declaration, the schema and the type. */
import { type Static, Type } from '@sinclair/typebox';
import type { ConfigIssue } from '../../node-kit/contract.ts';
import { idMapProperty, lookupSchema, lookupsProperty } from '../../node-kit/id-lookups.ts';
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
    idMap: idMapProperty('HubSpot'),
    lookups: lookupsProperty({
      title: 'Lookups',
      description:
        'Property → where its HubSpot record id comes from: the property is set to the HubSpot id the ID map holds for the source id in `from`.',
    }),
    associations: Type.Optional(
      recordOf(
        Type.Object(
          {
            ...lookupSchema.properties,
            to: Type.Optional({
              ...objectName,
              title: 'Associated object',
              description: 'The HubSpot object to associate with; default the association’s name.',
            }),
          },
          { additionalProperties: false },
        ),
        {
          title: 'Associations',
          description:
            'Association name (the HubSpot object, e.g. companies) → where its source id comes from: after a record is saved it is associated (default association type) with the HubSpot record the ID map holds for that id, e.g. { "companies": { "from": "AccountId", "object": "Account" } }.',
        },
      ),
    ),
    owners: Type.Optional(
      Type.Object(
        {
          from: Type.String({
            minLength: 1,
            title: 'Owner email field',
            description: "The record field holding the owner's email (not sent).",
          }),
          property: Type.Optional(
            Type.String({
              minLength: 1,
              default: 'hubspot_owner_id',
              title: 'Owner property',
              description: 'The property set to the owner id.',
            }),
          ),
        },
        {
          additionalProperties: false,
          title: 'Owners by email',
          description:
            "Sets the owner property from the account's owners (/crm/v3/owners) matched by email, case-insensitively; an email no owner has leaves the property unset.",
        },
      ),
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
