/** `hubspot.source`'s config: one TypeBox declaration, the schema and the type. */
import { type Static, Type } from '@sinclair/typebox';
import { recordOf } from '../../node-kit/schema.ts';
import { connectionProperties } from './connection.ts';

const objectName = Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_-]+$' });

export const hubspotSourceConfig = Type.Object(
  {
    ...connectionProperties,
    objects: Type.Array(objectName, {
      minItems: 1,
      uniqueItems: true,
      title: 'Objects',
      description:
        'CRM objects to read, one stream each, in this order (contacts, companies, deals, or a custom object).',
    }),
    properties: Type.Optional(
      recordOf(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true }), {
        title: 'Properties',
        description: 'Per object, the properties to read; an object not named here is read with all its properties.',
      }),
    ),
    associations: Type.Optional(
      recordOf(Type.Array(objectName, { minItems: 1, uniqueItems: true }), {
        title: 'Associations',
        description:
          'Per object, the objects whose associated ids to add to each record, e.g. { "contacts": ["companies"] } gives associations.companies.',
      }),
    ),
    ownerEmails: Type.Optional(
      Type.Boolean({
        default: false,
        title: 'Owner emails',
        description:
          "Adds hubspot_owner_email (the owner's email, from /crm/v3/owners, read once per run) to records read with hubspot_owner_id, so another CRM can match owners by email.",
      }),
    ),
    incremental: Type.Optional(
      Type.Object(
        {
          lookbackSeconds: Type.Optional(
            Type.Integer({
              minimum: 0,
              default: 300,
              title: 'Lookback (seconds)',
              description:
                "Re-read this far before where the last run ended: HubSpot's search index lags writes by seconds. Records re-read unchanged are skipped.",
            }),
          ),
        },
        {
          additionalProperties: false,
          title: 'Incremental',
          description: 'Read only the records modified since the last succeeded run (the first run reads all).',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export type HubspotSourceConfig = Static<typeof hubspotSourceConfig>;
