/**
 * A test-only node type that holds a secret and tries hard to leak it: its errors, its log lines and
 * its failed checks all spell the token out. Tests plant a random token and prove that no API
 * response, log or stored file ever shows it.
 */
import { Type } from '@sinclair/typebox';
import { defineSource, type SourceBatch } from '../node-kit/contract.ts';
import { catalog, createCatalog } from '../nodes/registry.ts';

/** Records `{ id, note }` for ids 1..rows; the token never goes into a record. */
export const vaultSource = defineSource({
  type: 'vault.source',
  title: 'Vault source (test)',
  description: 'Rows 1..n read with a secret token; fails loudly, token included, when told to',
  config: Type.Object(
    {
      token: Type.String({ writeOnly: true, minLength: 4, title: 'Token' }),
      rows: Type.Optional(Type.Integer({ minimum: 0, default: 10, title: 'Rows' })),
      // Throws, the token in the message, after this many records.
      failAfter: Type.Optional(Type.Integer({ minimum: 0, title: 'Fail after this many records' })),
    },
    { additionalProperties: false },
  ),
  outputs: [{ name: 'records', kind: 'records' }],
  connectionFields: ['token', 'rows'],
  async check(config) {
    if (!config.token.startsWith('good')) throw new Error(`invalid token ${config.token}`);
  },
  async discover(config) {
    throw new Error(`cannot list the vault with token ${config.token}`);
  },
  async *read(config, ctx): AsyncGenerator<SourceBatch> {
    const rows = config.rows ?? 10;
    let next = typeof ctx.resumeCursor === 'number' ? ctx.resumeCursor + 1 : 1;
    while (next <= rows) {
      let size = Math.min(ctx.batchSize, rows - next + 1);
      if (config.failAfter !== undefined) {
        if (next > config.failAfter) {
          ctx.log.warn(`the vault refused token ${config.token}`);
          throw new Error(`auth expired for token ${config.token}`);
        }
        size = Math.min(size, config.failAfter - next + 1);
      }
      const records = Array.from({ length: size }, (_, i) => ({ id: next + i, note: `note ${next + i}` }));
      next += size;
      yield { kind: 'records', stream: 'vault', records, cursor: next - 1 };
    }
  },
});

/** The real catalog plus `vault.source`. */
export const secretTestCatalog = createCatalog([...catalog.types, vaultSource]);
