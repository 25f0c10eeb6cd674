/** The map node's per-stream mappings: a multi-stream input (a CRM's objects) mapped each its own way. */
import { describe, expect, it } from 'vitest';
import type { EdgePayload, Rec } from '../node-kit/contract.ts';
import { testContext } from '../testing/node-context.ts';
import { mapNode } from './map.ts';

async function mapAll(config: Parameters<typeof mapNode.create>[0], batches: { stream: string; records: Rec[] }[]) {
  const instance = await mapNode.create(config, testContext('/tmp'));
  const out: { port: string; stream: string; records: Rec[] }[] = [];
  for (const batch of batches) {
    await instance.process({ kind: 'records', ...batch }, async (port, payload: EdgePayload) => {
      if (payload.kind === 'records') out.push({ port, stream: payload.stream, records: payload.records });
    });
  }
  return out;
}

describe('map per stream', () => {
  const config = {
    drop: ['archived'],
    streams: {
      companies: { select: ['id', 'name'], rename: { name: 'Name' } },
      deals: {
        rename: { dealstage: 'StageName', dealname: 'Name' },
        lookup: { StageName: { values: { closedwon: 'Closed Won' }, unmatched: 'reject' as const } },
      },
    },
  };

  it('maps a stream named under streams by its own mapping and any other by the top-level one', async () => {
    const out = await mapAll(config, [
      { stream: 'companies', records: [{ id: '1', name: 'Acme', domain: 'acme.example', archived: false }] },
      { stream: 'contacts', records: [{ id: '7', email: 'a@acme.example', archived: false }] },
      {
        stream: 'deals',
        records: [
          { id: '9', dealname: 'Big', dealstage: 'closedwon', archived: false },
          { id: '10', dealname: 'Odd', dealstage: 'nosuchstage', archived: false },
        ],
      },
    ]);
    expect(out).toEqual([
      { port: 'records', stream: 'companies', records: [{ id: '1', Name: 'Acme' }] },
      { port: 'records', stream: 'contacts', records: [{ id: '7', email: 'a@acme.example' }] },
      {
        port: 'rejected',
        stream: 'deals',
        records: [
          {
            record: { id: '10', dealname: 'Odd', dealstage: 'nosuchstage', archived: false },
            reasons: ['StageName: value "nosuchstage" is not in the lookup table'],
          },
        ],
      },
      {
        port: 'records',
        stream: 'deals',
        records: [{ id: '9', Name: 'Big', StageName: 'Closed Won', archived: false }],
      },
    ]);
  });

  it("reports a stream's mapping mistake at streams.<stream>", () => {
    expect(mapNode.checkConfig?.({ streams: { deals: { rename: { a: 'x', b: 'x' } } } })).toEqual([
      { path: 'streams.deals.rename.b', message: '"x" is already the new name of "a"' },
    ]);
  });
});
