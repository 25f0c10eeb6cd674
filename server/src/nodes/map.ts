import { createMapper, type MapConfig } from '@backflow/transforms';
import { inferColumns } from '../connectors/duckdb/record-values.ts';
import { compileIssues } from './config-check.ts';
import type { NodeType, Rec, RecordLocation } from './contract.ts';

const castTypes = ['string', 'integer', 'number', 'boolean', 'date', 'timestamp', 'json'];

export const mapNode: NodeType<MapConfig> = {
  type: 'map',
  role: 'transform',
  title: 'Map fields',
  description: 'Selects, drops, renames and casts fields, fills defaults and sets constant or template values.',
  config: {
    type: 'object',
    additionalProperties: false,
    properties: {
      select: { type: 'array', items: { type: 'string' }, title: 'Keep only these fields' },
      drop: { type: 'array', items: { type: 'string' }, title: 'Drop these fields' },
      rename: { type: 'object', additionalProperties: { type: 'string' }, title: 'Rename (old → new)' },
      cast: { type: 'object', additionalProperties: { enum: castTypes }, title: 'Cast (field → type)' },
      defaults: { type: 'object', title: 'Defaults for null or missing fields' },
      set: { type: 'object', title: 'Set fields to constants or {"template": "…{field}…"}' },
    },
  },
  inputs: [{ name: 'records', kind: 'records' }],
  checkConfig: (config) => compileIssues('', () => createMapper(config)),
  outputs: [
    { name: 'records', kind: 'records' },
    { name: 'rejected', kind: 'records' },
  ],
  create(config) {
    const mapper = createMapper(config);
    return {
      async process(input, emit) {
        if (input.kind !== 'records') return;
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
};
