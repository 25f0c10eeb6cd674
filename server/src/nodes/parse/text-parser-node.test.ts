import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { testContext } from '../../testing/node-context.ts';
import type { NodeType, RecordBatch } from '../contract.ts';
import { csvParse } from '../csv-parse.ts';

/** Runs a parse node over one file given as byte chunks; returns what each port got and what the node read. */
async function parseFile<C>(type: NodeType<C>, config: C, name: string, chunks: Uint8Array[]) {
  const ctx = testContext(tmpdir());
  const batches: Record<string, RecordBatch[]> = { records: [], rejected: [] };
  const node = await type.create!(config, ctx);
  await node.process(
    { kind: 'file', name, stream: 'rows', open: () => Readable.from(chunks) },
    async (port, payload) => {
      batches[port]!.push(payload as RecordBatch);
    },
  );
  return {
    records: batches.records!.flatMap((batch) => batch.records),
    lines: batches.records!.flatMap((batch) => batch.locations!.map((location) => location.line)),
    rejected: batches.rejected!.flatMap((batch) => batch.records),
    read: ctx.counts.read,
  };
}

/** `bytes` cut into chunks of `size`, as a file stream delivers them. */
function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

describe('csv.parse', () => {
  it('rejects a quoted field past the 16 MiB record limit as one record and lands the row after it on its line', async () => {
    // 18 MB of lines that look like rows, inside one properly closed quoted field.
    const fakeRows = 1_200_000;
    const text = `id,name\n1,"${'fake1,injected\n'.repeat(fakeRows)}"\n2,ok\n`;
    const parsed = await parseFile(csvParse, {}, 'big.csv', chunksOf(Buffer.from(text), 64 * 1024));
    expect(parsed).toEqual({
      records: [{ id: '2', name: 'ok' }],
      lines: [fakeRows + 3],
      rejected: [
        {
          record: null,
          reasons: ['big.csv: line 2: record is longer than 16777216 characters (is a quote left open?)'],
          file: 'big.csv',
          line: 2,
        },
      ],
      read: 2,
    });
  });
});
