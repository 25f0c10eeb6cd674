import { describe, expect, it } from 'vitest';
import { findMemoryNodeType } from '../testing/memory-nodes.ts';
import { createFlowValidator } from './validate.ts';

const validate = createFlowValidator(findMemoryNodeType);

const source = { id: 'src', type: 'memory.source', config: { rows: 10 } };
const group = { id: 'group', type: 'memory.group', config: { groupRows: 5 } };
const records = { id: 'dst', type: 'memory.destination', config: { name: 'out' } };
const files = { id: 'files', type: 'memory.files-destination', config: { name: 'parts' } };

describe('validateFlow', () => {
  it('accepts a well-formed flow and fills config defaults', () => {
    const { issues, graph } = validate({ name: 'ok', nodes: [source, records], edges: [{ from: 'src', to: 'dst' }] });
    expect(issues).toEqual([]);
    expect(graph?.order.map((n) => n.id)).toEqual(['src', 'dst']);
    expect(graph?.sourceOf.get('dst')).toBe('src');
  });

  it('names the JSON path of document errors', () => {
    const { issues } = validate({ name: 'bad name!', nodes: [{ id: 'x' }], edges: [], extra: 1 });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'name', message: 'must match pattern "^[A-Za-z0-9_][A-Za-z0-9_.-]*$"' },
        { path: 'extra', message: 'unknown field' },
        { path: 'nodes[0].type', message: 'required', nodeId: 'x' },
      ]),
    );
  });

  it('reports a missing required config field at nodes[i].config.<field> with the node id', () => {
    const { issues } = validate({
      name: 'f',
      nodes: [source, { id: 'dst', type: 'memory.destination', config: {} }],
      edges: [{ from: 'src', to: 'dst' }],
    });
    expect(issues).toEqual([{ path: 'nodes[1].config.name', message: 'required', nodeId: 'dst' }]);
  });

  it('reports unknown node types, dangling edges and unknown ports', () => {
    const { issues } = validate({
      name: 'f',
      nodes: [source, { id: 'odd', type: 'nope.source' }, records],
      edges: [
        { from: 'src', to: 'ghost' },
        { from: 'src:nothing', to: 'dst' },
        { from: 'src', to: 'dst:elsewhere' },
      ],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        { code: 'unknown_node_type', path: 'nodes[1].type', message: 'unknown node type "nope.source"', nodeId: 'odd' },
        { code: 'unknown_node', path: 'edges[0].to', message: 'unknown node "ghost"' },
        {
          code: 'unknown_port',
          path: 'edges[1].from',
          message: 'node "src" (memory.source) has no output port "nothing"; it has: records (records)',
          nodeId: 'src',
        },
        {
          code: 'unknown_port',
          path: 'edges[2].to',
          message: 'node "dst" (memory.destination) has no input port "elsewhere"; it has: records (records)',
          nodeId: 'dst',
        },
      ]),
    );
  });

  it('refuses a records output wired to a files input and says what to put between them', () => {
    const { issues } = validate({ name: 'f', nodes: [source, files], edges: [{ from: 'src', to: 'files' }] });
    expect(issues).toContainEqual({
      code: 'kind_mismatch',
      path: 'edges[0]',
      message:
        'records output "src:records" cannot connect to files input "files:files" (put csv.format, json.format or parquet.format between them)',
      nodeId: 'files',
    });
  });

  it('reports unconnected inputs', () => {
    const { issues } = validate({ name: 'f', nodes: [source, records, group], edges: [{ from: 'src', to: 'dst' }] });
    expect(issues).toContainEqual({
      code: 'input_unconnected',
      path: 'nodes[2]',
      message: 'input "records" of node "group" is not connected',
      nodeId: 'group',
    });
  });

  it('reports a cycle with the nodes on it', () => {
    const pass = (id: string) => ({ id, type: 'memory.pass' });
    const { issues } = validate({
      name: 'f',
      nodes: [source, pass('a'), pass('b'), records],
      edges: [
        { from: 'src', to: 'a' },
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
        { from: 'b', to: 'dst' },
      ],
    });
    expect(issues).toEqual([{ code: 'cycle', path: 'edges', message: 'the edges form a cycle through: a → b' }]);
  });

  it('reports a node fed by two sources', () => {
    const { issues } = validate({
      name: 'f',
      nodes: [source, { ...source, id: 'src2' }, records],
      edges: [
        { from: 'src', to: 'dst' },
        { from: 'src2', to: 'dst' },
      ],
    });
    expect(issues).toContainEqual({
      code: 'several_sources',
      path: 'nodes[2]',
      message: 'node "dst" is fed by several sources (src, src2); split them into separate flows',
      nodeId: 'dst',
    });
  });

  it('reports a config nested 3,000 levels deep at its path instead of overflowing the stack', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`);
    const { issues, flow } = validate({
      name: 'f',
      nodes: [source, { ...records, config: { name: 'out', defaults: deep } }],
      edges: [{ from: 'src', to: 'dst' }],
    });
    expect(issues).toEqual([
      { path: 'nodes[1].config.defaults.a.a.a.a…', message: 'nesting deeper than 64 levels', nodeId: 'dst' },
    ]);
    expect(flow).toBeUndefined();
  });

  it('accepts a config nested to the limit of 64 levels', () => {
    // The document, nodes, the node and config take 4 levels; 60 are left inside config.
    let nested: unknown = 1;
    for (let level = 0; level < 60; level++) nested = [nested];
    const flow = { name: 'f', nodes: [{ ...source, config: { rows: 1, extra: nested } }], edges: [] };
    expect(validate(flow).issues).toEqual([]);
    const { issues: deeper } = validate({ ...flow, nodes: [{ ...source, config: { rows: 1, extra: [nested] } }] });
    expect(deeper).toEqual([
      { path: 'nodes[0].config.extra[0][0][0][0]…', message: 'nesting deeper than 64 levels', nodeId: 'src' },
    ]);
  });

  it('refuses more than 1,000 nodes or 2,000 edges at nodes and edges', () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ ...source, id: `src${i}` }));
    const edges = Array.from({ length: 2001 }, () => ({ from: 'src0', to: 'src1' }));
    const { issues } = validate({ name: 'f', nodes: many, edges });
    expect(issues).toEqual([
      { path: 'nodes', message: 'must NOT have more than 1000 items' },
      { path: 'edges', message: 'must NOT have more than 2000 items' },
    ]);
  });
});
