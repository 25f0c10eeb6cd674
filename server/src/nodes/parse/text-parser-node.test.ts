import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { RecordBatch, TransformType } from '../../node-kit/contract.ts';
import { testContext } from '../../testing/node-context.ts';
import { csvParse } from '../csv-parse.ts';
import { jsonParse } from '../json-parse.ts';

/** Runs a parse node over one file given as byte chunks; returns what each port got and what the node read. */
async function parseFile<C>(type: TransformType<C>, config: C, name: string, chunks: Uint8Array[]) {
  const ctx = testContext(tmpdir());
  const batches: Record<string, RecordBatch[]> = { records: [], rejected: [] };
  const node = await type.create(config, ctx);
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

/** The example: one byte 0xE9 alone, as a latin1 file would have it, in an otherwise UTF-8 file. */
const zoeCsv = Buffer.concat([Buffer.from('id,name\n1,Ann\n2,Zo'), Buffer.of(0xe9), Buffer.from('\n3,Bob\n')]);

describe('csv.parse', () => {
  it('rejects just the row with an invalid UTF-8 byte, with file, line and offset, and lands the others', async () => {
    // Cut in the middle of the bad row, so the byte and its line arrive in different chunks.
    const parsed = await parseFile(csvParse, {}, 'people.csv', chunksOf(zoeCsv, 19));
    expect(parsed).toEqual({
      records: [
        { id: '1', name: 'Ann' },
        { id: '3', name: 'Bob' },
      ],
      lines: [2, 4],
      rejected: [
        {
          record: null,
          raw: '2,Zo\uFFFD',
          reasons: ['people.csv: line 3: invalid UTF-8 at byte offset 18'],
          file: 'people.csv',
          line: 3,
        },
      ],
      read: 3,
    });
  });

  it('reads the same file in latin1 without a reject', async () => {
    const parsed = await parseFile(csvParse, { encoding: 'latin1' }, 'people.csv', [zoeCsv]);
    expect(parsed).toEqual({
      records: [
        { id: '1', name: 'Ann' },
        { id: '2', name: 'Zoé' },
        { id: '3', name: 'Bob' },
      ],
      lines: [2, 3, 4],
      rejected: [],
      read: 3,
    });
  });

  it('reads UTF-16LE with a BOM', async () => {
    const bytes = Buffer.from('\uFEFFid,name\r\n1,Zoë 😀\r\n', 'utf16le');
    const parsed = await parseFile(csvParse, { encoding: 'utf-16le' }, 'people.csv', chunksOf(bytes, 7));
    expect(parsed).toEqual({ records: [{ id: '1', name: 'Zoë 😀' }], lines: [2], rejected: [], read: 1 });
  });

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
          // Only its first 4,096 characters: a reject never holds a whole file.
          raw: `${text.slice(text.indexOf('1,"'), text.indexOf('1,"') + 4096)}…`,
          reasons: ['big.csv: line 2: record is longer than 16777216 characters (is a quote left open?)'],
          file: 'big.csv',
          line: 2,
        },
      ],
      read: 2,
    });
  });
});

describe('json.parse', () => {
  it('rejects just the gzipped NDJSON line with an invalid UTF-8 byte and lands the others', async () => {
    const ndjson = Buffer.concat([
      Buffer.from('{"id":1}\n{"id":2,"name":"Zo'),
      Buffer.of(0xe9),
      Buffer.from('"}\n{"id":3}\n'),
    ]);
    const parsed = await parseFile(jsonParse, {}, 'people.ndjson.gz', [gzipSync(ndjson)]);
    expect(parsed).toEqual({
      records: [{ id: 1 }, { id: 3 }],
      lines: [1, 3],
      rejected: [
        {
          record: null,
          reasons: ['people.ndjson.gz: line 2: invalid UTF-8 at byte offset 27'],
          file: 'people.ndjson.gz',
          line: 2,
        },
      ],
      read: 3,
    });
  });
});
