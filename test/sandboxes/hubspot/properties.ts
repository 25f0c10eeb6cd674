import { type ObjectSchema, type ObjectType, type PropertyDefinition, propertyOf } from './catalog.ts';
import { HubspotError, invalidInput } from './errors.ts';
import { queryBoolean, type Route, readJson, sendEmpty, sendJson } from './http.ts';
import { dealPipelines } from './pipelines.ts';
import { archiveCustomProperty, createCustomProperty, updateCustomProperty } from './property-definitions.ts';
import type { CrmStore, CustomProperty } from './store.ts';

/** When the portal's properties were defined: fixed, so answers do not change between runs. */
const defined = '2024-01-01T00:00:00.000Z';

function optionsOf(property: PropertyDefinition, store: CrmStore) {
  const options =
    property.references === 'owner'
      ? [...store.owners()].map((owner) => ({ value: owner.id, label: `${owner.firstName} ${owner.lastName}` }))
      : property.references === 'pipeline'
        ? dealPipelines.map((pipeline) => ({ value: pipeline.id, label: pipeline.label }))
        : property.references === 'dealstage'
          ? dealPipelines.flatMap((pipeline) =>
              pipeline.stages.map((stage) => ({ value: stage.id, label: stage.label })),
            )
          : (property.options ?? []);
  return options.map((option, displayOrder) => ({ ...option, displayOrder, hidden: false }));
}

/** A property definition as `GET /crm/v3/properties/{objectType}` lists it; custom ones say `hubspotDefined: false`. */
function propertyJson(
  schema: ObjectSchema,
  property: PropertyDefinition | CustomProperty,
  store: CrmStore,
  displayOrder: number,
) {
  const custom = 'createdAt' in property ? property : undefined;
  return {
    updatedAt: custom?.updatedAt ?? defined,
    createdAt: custom?.createdAt ?? defined,
    ...(custom?.archivedAt ? { archivedAt: custom.archivedAt } : {}),
    name: property.name,
    label: property.label,
    type: property.type,
    fieldType: property.fieldType,
    description: custom?.description ?? '',
    groupName: property.groupName,
    options: optionsOf(property, store),
    displayOrder: custom?.displayOrder ?? displayOrder,
    calculated: false,
    externalOptions: property.references !== undefined,
    hasUniqueValue: property.hasUniqueValue === true,
    hidden: custom?.hidden ?? false,
    hubspotDefined: custom === undefined,
    modificationMetadata: {
      archivable: custom !== undefined,
      readOnlyDefinition: custom === undefined,
      readOnlyValue: property.readOnlyValue === true,
    },
    formField: custom ? custom.formField : schema.type === 'contacts' && !property.readOnlyValue,
    archived: custom?.archived ?? false,
  };
}

const propertyNotFound = (name: string, type: string) =>
  new HubspotError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${name} for object type ${type}`);

/**
 * The properties API: every property of an object or one by name (`archived=true`: the archived
 * custom ones), and custom properties created, updated and archived.
 */
export function propertyRoutes(store: CrmStore): Route[] {
  /** A custom property by name for a write; HubSpot-defined ones have read-only definitions here. */
  function customFor(objectType: string, name: string): { type: ObjectType; property: CustomProperty } {
    const schema = store.schema(objectType);
    const property = store.customProperty(schema.type, name);
    if (property && !property.archived) return { type: schema.type, property };
    if (propertyOf(schema, name)) {
      throw invalidInput(`Property ${name} is defined by HubSpot; the sandbox changes custom properties only.`);
    }
    throw propertyNotFound(name, schema.type);
  }
  return [
    {
      method: 'GET',
      path: /^\/crm\/v3\/properties\/([^/]+)\/?$/,
      async handle({ res, url, params }) {
        const schema = store.schema(params[0] as string);
        const results = queryBoolean(url, 'archived')
          ? store
              .customProperties(schema.type)
              .filter((property) => property.archived)
              .map((property, index) => propertyJson(schema, property, store, index))
          : schema.properties.map((property, index) => propertyJson(schema, property, store, index));
        sendJson(res, 200, { results });
      },
    },
    {
      method: 'GET',
      path: /^\/crm\/v3\/properties\/([^/]+)\/([^/]+)$/,
      async handle({ res, url, params }) {
        const schema = store.schema(params[0] as string);
        const name = params[1] as string;
        if (queryBoolean(url, 'archived')) {
          const property = store.customProperty(schema.type, name);
          if (!property?.archived) throw propertyNotFound(name, schema.type);
          return sendJson(res, 200, propertyJson(schema, property, store, 0));
        }
        const index = schema.properties.findIndex((property) => property.name === name);
        const property = schema.properties[index];
        if (!property) throw propertyNotFound(name, schema.type);
        sendJson(res, 200, propertyJson(schema, property, store, index));
      },
    },
    {
      method: 'POST',
      path: /^\/crm\/v3\/properties\/([^/]+)\/?$/,
      async handle({ req, res, params }) {
        const property = createCustomProperty(
          store,
          params[0] as string,
          await readJson(req),
          new Date().toISOString(),
        );
        await store.flush();
        const schema = store.schema(params[0] as string);
        sendJson(res, 201, propertyJson(schema, property, store, schema.properties.length - 1));
      },
    },
    {
      method: 'PATCH',
      path: /^\/crm\/v3\/properties\/([^/]+)\/([^/]+)$/,
      async handle({ req, res, params }) {
        const { type, property } = customFor(params[0] as string, params[1] as string);
        const updated = updateCustomProperty(store, type, property, await readJson(req), new Date().toISOString());
        await store.flush();
        const schema = store.schema(type);
        sendJson(res, 200, propertyJson(schema, updated, store, schema.properties.indexOf(updated)));
      },
    },
    {
      method: 'DELETE',
      path: /^\/crm\/v3\/properties\/([^/]+)\/([^/]+)$/,
      async handle({ res, params }) {
        const { type, property } = customFor(params[0] as string, params[1] as string);
        archiveCustomProperty(store, type, property, new Date().toISOString());
        await store.flush();
        sendEmpty(res, 204);
      },
    },
  ];
}
