import { CAST_TYPES, createMapper } from '@backflow/transforms';
import { Type } from '@sinclair/typebox';
import { inferColumns } from '../node-kit/columns.ts';
import { defineTransform, type Rec, type RecordLocation } from '../node-kit/contract.ts';
import { jsonObject, oneOf, recordOf } from '../node-kit/schema.ts';
import { compileIssues } from './config-check.ts';

/** What a mapping says, for every stream or (under `streams`) for one. */
const mapFields = {
  select: Type.Optional(
    Type.Array(Type.String(), {
      title: 'Keep only these fields',
      description: 'In this order; every other field is left out. Empty keeps them all.',
    }),
  ),
  drop: Type.Optional(Type.Array(Type.String(), { title: 'Drop these fields' })),
  rename: Type.Optional(
    recordOf(Type.String({ title: 'New name' }), {
      title: 'Rename fields',
      description: 'Cast, defaults and set name fields by their new names.',
      propertyNames: { title: 'Field' },
    }),
  ),
  cast: Type.Optional(
    recordOf(oneOf(CAST_TYPES, { title: 'Type' }), {
      title: 'Cast fields',
      description: 'A value that does not convert sends its record to “rejected”.',
      propertyNames: { title: 'Field' },
    }),
  ),
  lookup: Type.Optional(
    recordOf(
      Type.Object(
        {
          values: recordOf(Type.Unknown(), {
            title: 'Values',
            description: 'Each value (as text) → what it becomes',
            propertyNames: { title: 'Value' },
          }),
          default: Type.Optional(Type.Unknown({ title: 'Default', description: 'What any other value becomes' })),
          unmatched: Type.Optional(
            oneOf(['keep', 'reject'], {
              title: 'Other values without a default',
              description: 'Keep them as they are, or send their records to “rejected”',
              default: 'keep',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      {
        title: 'Look up values',
        description:
          'Field → a table of values to replace (e.g. deal stages of one CRM → those of another). Null values are left to the defaults.',
        propertyNames: { title: 'Field' },
      },
    ),
  ),
  defaults: Type.Optional(
    jsonObject({ title: 'Defaults for null or missing fields', description: 'A JSON object of field → value.' }),
  ),
  set: Type.Optional(
    jsonObject({
      title: 'Set fields',
      description: 'A JSON object of field → a constant, or {"template": "…{field}…"} filled from the record.',
    }),
  ),
};

export const mapNode = defineTransform({
  type: 'map',
  title: 'Map fields',
  description:
    'Selects, drops, renames and casts fields, looks values up in tables, fills defaults and sets constant or template values.',
  config: Type.Object(
    {
      ...mapFields,
      streams: Type.Optional(
        recordOf(Type.Object(mapFields, { additionalProperties: false }), {
          title: 'Per stream',
          description:
            'Stream → its own mapping, used for that stream instead of the one above (a migration maps companies, contacts and deals each its own way).',
          propertyNames: { title: 'Stream' },
        }),
      ),
    },
    { additionalProperties: false },
  ),
  inputs: [{ name: 'records', kind: 'records' }],
  perBatch: true,
  checkConfig: ({ streams, ...config }) => [
    ...compileIssues('', () => createMapper(config)),
    ...Object.entries(streams ?? {}).flatMap(([stream, own]) =>
      compileIssues(`streams.${stream}`, () => createMapper(own)),
    ),
  ],
  outputs: [
    { name: 'records', kind: 'records' },
    { name: 'rejected', kind: 'records' },
  ],
  create({ streams, ...config }) {
    const everyStream = createMapper(config);
    const perStream = new Map(Object.entries(streams ?? {}).map(([stream, own]) => [stream, createMapper(own)]));
    return {
      async process(input, emit) {
        if (input.kind !== 'records') return;
        const mapper = perStream.get(input.stream) ?? everyStream;
        const mapped: Rec[] = [];
        const locations: RecordLocation[] = [];
        const rejected: Rec[] = [];
        input.records.forEach((record, i) => {
          const result = mapper.map(record);
          const location = input.locations?.[i];
          if ('record' in result) {
            mapped.push(result.record);
            if (location) locations.push(location);
          } else {
            rejected.push({ record, reasons: [`${result.error.path}: ${result.error.message}`], ...location });
          }
        });
        if (rejected.length > 0) await emit('rejected', { kind: 'records', stream: input.stream, records: rejected });
        if (mapped.length === 0) return;
        // Without an upstream schema (CSV, JSON), infer the input's columns so casts still give the
        // destination typed columns (a cast to integer becomes BIGINT, not a guessed DOUBLE).
        const schema = mapper.columns(input.schema ?? inferColumns(input.records));
        await emit('records', {
          kind: 'records',
          stream: input.stream,
          records: mapped,
          ...(schema ? { schema } : {}),
          ...(input.locations ? { locations } : {}),
        });
      },
    };
  },
});
