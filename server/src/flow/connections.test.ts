import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { defineSource } from '../node-kit/contract.ts';
import { findMemoryNodeType } from '../testing/memory-nodes.ts';
import { createFlowValidator, type ResolvedConnection } from './validate.ts';

/** A source whose `password` is a secret a stored connection supplies. */
const vaultSource = defineSource({
  type: 'vault.source',
  title: 'Vault',
  description: 'test source with a secret',
  config: Type.Object(
    {
      host: Type.String(),
      password: Type.String({ writeOnly: true, minLength: 4 }),
      table: Type.String(),
    },
    { additionalProperties: false },
  ),
  connectionFields: ['host', 'password'],
  outputs: [{ name: 'records', kind: 'records' }],
  // Only validated here, never run.
  read: async function* () {},
});

const validate = createFlowValidator((type) => (type === 'vault.source' ? vaultSource : findMemoryNodeType(type)));

const connections = new Map<string, ResolvedConnection>([
  ['prod', { type: 'vault', config: { host: 'db.internal', password: 'hunter22' } }],
  ['other', { type: 'postgres', config: { host: 'x' } }],
]);

function flowWith(node: Record<string, unknown>) {
  return {
    name: 'f',
    nodes: [
      { id: 'src', type: 'vault.source', ...node },
      { id: 'dst', type: 'memory.destination', config: { name: 'o' } },
    ],
    edges: [{ from: 'src', to: 'dst' }],
  };
}

describe('flows and stored connections', () => {
  it('merges the named connection under the node config (node fields win) and keeps the document secret-free', () => {
    const document = flowWith({ connection: 'prod', config: { table: 'orders', host: 'replica.internal' } });
    const { issues, flow } = validate(document, { connections });
    expect(issues).toEqual([]);
    expect(flow?.nodes[0]?.config).toEqual({ host: 'replica.internal', password: 'hunter22', table: 'orders' });
    expect(JSON.stringify(document)).not.toContain('hunter22');
  });

  it('names a missing connection, a connection of another connector, and a node type that takes none', () => {
    expect(validate(flowWith({ connection: 'nope', config: { table: 't' } }), { connections }).issues).toEqual([
      { path: 'nodes[0].connection', message: 'no stored connection is named "nope"', nodeId: 'src' },
    ]);
    expect(validate(flowWith({ connection: 'other', config: { table: 't' } }), { connections }).issues).toEqual([
      {
        path: 'nodes[0].connection',
        message: 'connection "other" is a postgres connection; vault.source takes vault connections',
        nodeId: 'src',
      },
    ]);
    const onDestination = {
      name: 'f',
      nodes: [
        { id: 'src', type: 'memory.source', config: { rows: 1 } },
        { id: 'dst', type: 'memory.destination', connection: 'prod', config: { name: 'o' } },
      ],
      edges: [{ from: 'src', to: 'dst' }],
    };
    expect(validate(onDestination, { connections }).issues).toEqual([
      {
        path: 'nodes[1].connection',
        message: 'node type memory.destination does not take a stored connection',
        nodeId: 'dst',
      },
    ]);
  });

  it('refuses a literal secret in a flow but accepts an environment reference', () => {
    const literal = validate(flowWith({ config: { host: 'h', password: 'hunter22', table: 't' } }));
    expect(literal.issues).toEqual([expect.objectContaining({ path: 'nodes[0].config.password', nodeId: 'src' })]);
    expect(literal.issues[0]?.message).not.toContain('hunter22');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal syntax of an env reference.
    const document = flowWith({ config: { host: 'h', password: '${env:VAULT_PASSWORD}', table: 't' } });
    const reference = validate(document, { env: { VAULT_PASSWORD: 'from-the-env' } });
    expect(reference.issues).toEqual([]);
    expect(reference.flow?.nodes[0]?.config?.password).toBe('from-the-env');
    expect(validate(document, { env: {} }).issues).toEqual([
      {
        path: 'nodes[0].config.password',
        message: 'refers to environment variable VAULT_PASSWORD, which is not set',
        nodeId: 'src',
      },
    ]);
  });
});
