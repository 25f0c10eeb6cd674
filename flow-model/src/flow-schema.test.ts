import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { type Flow, flowSchema, maxBatchSize } from './flow-schema.ts';

const validate = new Ajv2020({ allErrors: true, useDefaults: true, strict: false }).compile(flowSchema);

describe('flowSchema', () => {
  it('is plain JSON Schema once serialised (as the OpenAPI document carries it)', () => {
    const plain = JSON.parse(JSON.stringify(flowSchema));
    expect(new Ajv2020({ strict: false }).validate(plain, { name: 'f', nodes: [], edges: [], x: 1 })).toBe(false);
    expect(plain.required).toEqual(['name', 'nodes', 'edges']);
    expect(plain.properties.nodes.items.required).toEqual(['id', 'type']);
  });

  it('accepts a flow with ports, a schedule and any config, and fills in defaults', () => {
    const flow: Flow = {
      name: 'nightly-orders.v2',
      schedule: { cron: '0 2 * * *' },
      settings: { batchSize: maxBatchSize },
      nodes: [
        { id: 'orders', type: 'duckdb.source', config: { query: 'select \'ü\' as "a""b"', limit: 2 ** 60 } },
        { id: 'check', type: 'schema.validate' },
      ],
      edges: [{ from: 'orders', to: 'check:records' }],
    };
    expect(validate(flow)).toBe(true);
    expect(flow.schedule).toEqual({ cron: '0 2 * * *', timezone: 'UTC', catchUp: false });
    expect(flow.nodes[1]!.config).toEqual({});
  });

  it('refuses unknown fields, bad names and endpoints, and a batch size above the limit', () => {
    const flow = {
      name: 'has space',
      extra: true,
      settings: { batchSize: maxBatchSize + 1 },
      nodes: [{ id: 'a:b', type: '' }],
      edges: [{ from: 'a::b', to: 'b' }],
    };
    expect(validate(flow)).toBe(false);
    expect(validate.errors!.map((e) => `${e.instancePath} ${e.keyword}`).sort()).toEqual([
      ' additionalProperties',
      '/edges/0/from pattern',
      '/name pattern',
      '/nodes/0/id pattern',
      '/nodes/0/type minLength',
      '/settings/batchSize maximum',
    ]);
  });
});
