import { type ObjectSchema, type PropertyDefinition, schemaFor } from './catalog.ts';
import { HubspotError } from './errors.ts';
import { type Route, sendJson } from './http.ts';
import { dealPipelines } from './pipelines.ts';
import type { CrmStore } from './store.ts';

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

/** A property definition as `GET /crm/v3/properties/{objectType}` lists it. */
function propertyJson(schema: ObjectSchema, property: PropertyDefinition, store: CrmStore, displayOrder: number) {
  return {
    updatedAt: defined,
    createdAt: defined,
    name: property.name,
    label: property.label,
    type: property.type,
    fieldType: property.fieldType,
    description: '',
    groupName: property.groupName,
    options: optionsOf(property, store),
    displayOrder,
    calculated: false,
    externalOptions: property.references !== undefined,
    hasUniqueValue: property.hasUniqueValue === true,
    hidden: false,
    hubspotDefined: true,
    modificationMetadata: {
      archivable: false,
      readOnlyDefinition: true,
      readOnlyValue: property.readOnlyValue === true,
    },
    formField: schema.type === 'contacts' && !property.readOnlyValue,
    archived: false,
  };
}

/** The properties API, read side: every property of an object, or one by name. */
export function propertyRoutes(store: CrmStore): Route[] {
  return [
    {
      method: 'GET',
      path: /^\/crm\/v3\/properties\/([^/]+)\/?$/,
      async handle({ res, params }) {
        const schema = schemaFor(params[0] as string);
        sendJson(res, 200, {
          results: schema.properties.map((property, index) => propertyJson(schema, property, store, index)),
        });
      },
    },
    {
      method: 'GET',
      path: /^\/crm\/v3\/properties\/([^/]+)\/([^/]+)$/,
      async handle({ res, params }) {
        const schema = schemaFor(params[0] as string);
        const index = schema.properties.findIndex((property) => property.name === params[1]);
        const property = schema.properties[index];
        if (!property) {
          throw new HubspotError(
            404,
            'OBJECT_NOT_FOUND',
            `Unable to find property ${params[1]} for object type ${schema.type}`,
          );
        }
        sendJson(res, 200, propertyJson(schema, property, store, index));
      },
    },
  ];
}
