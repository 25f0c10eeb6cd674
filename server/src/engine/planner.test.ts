import type { Flow } from '@backflow/flow-model';
import { describe, expect, it } from 'vitest';
import { createFlowValidator } from '../flow/validate.ts';
import { defineFusion, type FilePayload, type SourceContext } from '../node-kit/contract.ts';
import { findMemoryNodeType, memoryGroup, memorySource } from '../testing/memory-nodes.ts';
import { planRun } from './planner.ts';

const validate = createFlowValidator(findMemoryNodeType);

/** memory.source writes memory.group's "files" itself, one per group, when groups hold 10 rows or more. */
const fusion = defineFusion(memorySource, memoryGroup, (source, group) =>
  group.groupRows < 10
    ? undefined
    : async function* (_ctx: SourceContext) {
        for (let start = 1; start <= source.rows; start += group.groupRows) {
          const rows = Math.min(group.groupRows, source.rows - start + 1);
          const file: FilePayload = {
            kind: 'file',
            name: `part-${start}`,
            stream: 'rows',
            rows,
            open: () => {
              throw new Error('no bytes');
            },
          };
          yield { ...file, cursor: start + rows - 1 };
        }
      },
);

function flow(nodes: Flow['nodes'], edges: Flow['edges'], settings: Flow['settings'] = {}): Flow {
  return { name: 'plan', settings, nodes, edges };
}

const source = { id: 'src', type: 'memory.source', config: { rows: 25 } };
const group = (groupRows: number) => ({ id: 'group', type: 'memory.group', config: { groupRows } });
const destination = { id: 'dst', type: 'memory.files-destination', config: { name: 'parts' } };
const chain = [
  { from: 'src', to: 'group' },
  { from: 'group', to: 'dst' },
];

function plan(document: Flow) {
  const { graph, issues } = validate(document);
  expect(issues).toEqual([]);
  return planRun(graph!, { fusions: [fusion], ...(document.settings?.pushdown === false ? { pushdown: false } : {}) });
}

describe('planRun', () => {
  it('fuses a source into the format node it feeds alone, keeping ids, ports and edges', async () => {
    const { graph, fused } = plan(flow([source, group(10), destination], chain));
    expect(fused).toEqual([{ sourceId: 'src', formatId: 'group' }]);
    expect([...graph.nodes.keys()]).toEqual(['src', 'group', 'dst']);
    expect(graph.edges.map((edge) => `${edge.from.node}:${edge.from.port}→${edge.to.node}`)).toEqual([
      'src:records→group',
      'group:files→dst',
    ]);
    const src = graph.nodes.get('src')!.type;
    if (src.role !== 'source') throw new Error('not a source');
    const parts: unknown[] = [];
    for await (const batch of src.read({ rows: 25 }, {} as SourceContext)) parts.push([batch.kind, batch.cursor]);
    expect(parts).toEqual([
      ['file', 10],
      ['file', 20],
      ['file', 25],
    ]);
  });

  it('passes the parts on from the fused format node, counting their rows as read', async () => {
    const { graph } = plan(flow([source, group(10), destination], chain));
    const format = graph.nodes.get('group')!.type;
    if (format.role !== 'transform') throw new Error('not a transform');
    let read = 0;
    const emitted: string[] = [];
    const instance = await format.create({ groupRows: 10 }, {
      read: (n: number) => {
        read += n;
      },
    } as never);
    const part: FilePayload = {
      kind: 'file',
      name: 'p',
      stream: 'rows',
      rows: 7,
      open: () => {
        throw new Error();
      },
    };
    await instance.process(part, async (port, payload) => {
      emitted.push(`${port}:${payload.kind}`);
    });
    expect(read).toBe(7);
    expect(emitted).toEqual(['files:file']);
  });

  it('leaves the graph alone with pushdown off, when the fusion declines, or when the source feeds two nodes', () => {
    expect(plan(flow([source, group(10), destination], chain, { pushdown: false })).fused).toEqual([]);
    expect(plan(flow([source, group(5), destination], chain)).fused).toEqual([]);
    const second = { id: 'dst2', type: 'memory.destination', config: { name: 'rows' } };
    const forked = plan(flow([source, group(10), destination, second], [...chain, { from: 'src', to: 'dst2' }]));
    expect(forked.fused).toEqual([]);
  });
});
