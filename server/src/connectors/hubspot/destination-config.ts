/** `hubspot.destination`'s config: one TypeBox declaration, the schema and the type. */
import { type Static, Type } from '@sinclair/typebox';
import type { ConfigIssue } from '../../node-kit/contract.ts';
import { idMapProperty, lookupSchema, lookupsProperty } from '../../node-kit/id-lookups.ts';
import { mirrorScopeProperty, modeProperty, recordOf } from '../../node-kit/schema.ts';
import { connectionProperties } from './connection.ts';

export const hubspotModes = ['insert', 'update', 'upsert', 'mirror'] as const;

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
        'insert: batch create; update: batch update of existing records by `idProperty` (default: the record id), a record HubSpot does not hold is rejected; upsert: batch upsert by `idProperty` (a replayed batch overwrites itself); mirror: upsert by `idProperty`, and archive the records that vanished from the source.',
    }),
    mirrorScope: mirrorScopeProperty('records'),
    idProperty: Type.Optional(
      Type.String({
        minLength: 1,
        title: 'ID property',
        description:
          'The unique property records are matched by (email for contacts, domain for companies, or a custom unique property). Required for upsert and mirror; for update the default is the record id (`id`).',
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

/**
 * What the schema cannot say: upsert and mirror need a unique property (HubSpot's record id is not
 * one), a mirror cannot be a migration (its ID map), and `mirrorScope` belongs to a mirror.
 */
export function checkDestinationConfig(config: HubspotDestinationConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if ((config.mode === 'upsert' || config.mode === 'mirror') && matchesById(config)) {
    issues.push({
      path: 'idProperty',
      message: `${config.mode} matches records by a unique property (email for contacts, domain for companies, or a custom unique property): name it in idProperty. HubSpot refuses to upsert by the record id; to write by id, use mode update.`,
    });
  }
  if (config.mode === 'mirror' && config.idMap) {
    issues.push({
      path: 'mode',
      message:
        'a mirror syncs by idProperty and cannot be a migration: remove idMap, or use insert or upsert to migrate',
    });
  }
  if (config.mirrorScope === 'all' && config.mode !== 'mirror') {
    issues.push({ path: 'mirrorScope', message: `mirrorScope all applies to mode mirror only, not ${config.mode}` });
  }
  return issues;
}

/**
 * The field a sync is diffed on (DestinationType.syncKey): the unique property an upsert, mirror or
 * update matches records by (the record's `id` for an update by id); none for an insert or a
 * migration (idMap), which reads back what it wrote instead.
 */
export function syncKeyOf(config: HubspotDestinationConfig): string[] | undefined {
  if (config.idMap || config.mode === 'insert') return undefined;
  if (matchesById(config)) return config.mode === 'update' ? ['id'] : undefined;
  return [config.idProperty!];
}

/** Whether records are matched by HubSpot's record id (`id` of the record) rather than a property. */
export function matchesById(config: Pick<HubspotDestinationConfig, 'idProperty'>): boolean {
  return config.idProperty === undefined || config.idProperty === 'hs_object_id' || config.idProperty === 'id';
}
