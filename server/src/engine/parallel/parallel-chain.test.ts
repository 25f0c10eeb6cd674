import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runFlow } from '../../service/flow-runner.ts';
import type { RejectedRow } from '../../store/rejected-record-repository.ts';
import { StateStore } from '../../store/state-store.ts';

/**
 * The same flows run on the run's thread and on worker threads cut into many small pieces must give
 * the same bytes, the same counts and the same rejected rows, with their lines and reasons.
 */

const dirs: string[] = [];
afterEach(async () => {
  delete process.env.BACKFLOW_PARSE_WORKERS;
  delete process.env.BACKFLOW_PARSE_PIECE_BYTES;
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A CSV with every awkward case: quoted delimiters and line breaks, doubled quotes, malformed and never-closed quotes, short rows, blank lines, bad UTF-8, amounts that do not cast. */
function awkwardCsv(rows: number, newline: string): Buffer {
  const parts: Buffer[] = [Buffer.from(`id,name,amount,note${newline}`)];
  for (let i = 1; i <= rows; i++) {
    const shape = i % 13;
    let line: string | Buffer;
    if (shape === 1) line = `${i},"Smith, Jo",${i}.5,"two${newline}lines"`;
    else if (shape === 2) line = `${i},"say ""hi""",${i},plain`;
    else if (shape === 3) line = `${i},inch"mark,${i},x`;
    else if (shape === 4) line = `${i},"closed" then text,${i},x`;
    else if (shape === 5) line = `${i},short`;
    else if (shape === 6) line = '';
    else if (shape === 7) line = `${i},Zoë ✓,not-a-number,x`;
    else if (shape === 8)
      line = Buffer.concat([Buffer.from(`${i},bad `), Buffer.from([0xff, 0xfe]), Buffer.from(',1,x')]);
    else line = `${i},name ${i},${(i * 7) % 1000},"note ${i}"`;
    parts.push(typeof line === 'string' ? Buffer.from(line) : line, Buffer.from(newline));
  }
  // One quote never closed, near the end: the rest of the file is one bad record.
  parts.push(Buffer.from(`${rows + 1},"never closed,1,x${newline}${rows + 2},after,2,y${newline}`));
  return Buffer.concat(parts);
}

function flow(format: Record<string, unknown>) {
  const nodes = [
    { id: 'files', type: 'files.source', config: { path: 'in/*.csv' } },
    { id: 'parse', type: 'csv.parse', config: {} },
    { id: 'shape', type: 'map', config: { rename: { name: 'customer' }, cast: { amount: 'number', id: 'integer' } } },
    { id: 'keep', type: 'filter', config: { expression: 'amount < 700' } },
    { id: 'fmt', ...format },
    { id: 'out', type: 'files.destination', config: { dir: 'out' } },
  ];
  const ids = nodes.map((node) => node.id);
  return {
    name: 'parallel-chain',
    settings: { batchSize: 64 },
    nodes,
    edges: ids.slice(1).map((to, i) => ({ from: ids[i]!, to })),
  };
}

interface Outcome {
  nodes: unknown;
  /** Each stream's records, as written. */
  files: Record<string, string>;
  rejected: RejectedRow[];
  logs: string[];
}

async function run(document: unknown, workers: number): Promise<Outcome> {
  const dir = await mkdtemp(path.join(tmpdir(), 'backflow-parallel-'));
  dirs.push(dir);
  await mkdir(path.join(dir, 'in'));
  await writeFile(path.join(dir, 'in', 'a.csv'), awkwardCsv(700, '\n'));
  await writeFile(path.join(dir, 'in', 'b.csv'), awkwardCsv(500, '\r\n'));
  // A quote never closed: no record ends for far more than a piece, so the rest is parsed on the run's thread.
  const plain = (from: number) => Array.from({ length: 800 }, (_, i) => `${from + i},plain,${i},x\n`).join('');
  await writeFile(path.join(dir, 'in', 'c.csv'), `id,name,amount,note\n${plain(1)}801,"open,1,x\n${plain(802)}`);
  process.env.BACKFLOW_PARSE_WORKERS = String(workers);
  process.env.BACKFLOW_PARSE_PIECE_BYTES = '512';
  const dataDir = path.join(dir, '.backflow');
  const store = await StateStore.open(dataDir);
  try {
    const summary = await runFlow({ store, document, baseDir: dir, dataDir });
    expect(summary.error).toBeUndefined();
    // Parts close on batch boundaries, and a piece ends a batch early: compare each stream's parts joined.
    const files: Record<string, string> = {};
    for (const stream of await readdir(path.join(dir, 'out'))) {
      if (stream.startsWith('_')) continue;
      let joined = '';
      for (const part of (await readdir(path.join(dir, 'out', stream))).sort()) {
        const text = await readFile(path.join(dir, 'out', stream, part), 'latin1');
        joined += part.endsWith('.csv') ? text.slice(text.indexOf('\n') + 1) : text;
      }
      files[stream] = joined;
    }
    // In file order per node (a piece's parse errors are stored before its records' rejects); when stored is no part of it.
    const rejected: RejectedRow[] = [];
    for await (const { at: _at, ...row } of store.rejected(summary.runId)) rejected.push(row as RejectedRow);
    rejected.sort((a, b) => `${a.nodeId}:${a.file}`.localeCompare(`${b.nodeId}:${b.file}`) || a.line! - b.line!);
    const logs = (await store.logs.list(summary.runId)).map((line) => line.message);
    // How many parts the records fill depends on batch boundaries too.
    const nodes = Object.fromEntries(
      Object.entries(summary.nodes).map(([id, { files: _parts, ...counts }]) => [id, counts]),
    );
    return { nodes, files, rejected, logs };
  } finally {
    await store.close();
  }
}

describe.each([
  ['NDJSON', { type: 'json.format', config: { rowsPerFile: 200 } }],
  ['CSV', { type: 'csv.format', config: { rowsPerFile: 200 } }],
])('a parse → map → filter → %s chain on worker threads', (_name, format) => {
  it('writes the same bytes, counts and rejected rows as on one thread', async () => {
    const document = flow(format);
    const alone = await run(document, 0);
    const parallel = await run(document, 2);
    expect(parallel.logs.some((message) => message.includes('on worker threads'))).toBe(true);
    expect(alone.logs.some((message) => message.includes('on worker threads'))).toBe(false);
    expect(parallel.logs.filter((message) => message.includes('the rest of the file is parsed on one thread'))).toEqual(
      [expect.stringMatching(/^c\.csv: no record ends within \d+ bytes of byte \d+;/)],
    );
    expect(parallel.nodes).toEqual(alone.nodes);
    expect(parallel.rejected).toEqual(alone.rejected);
    expect(Object.keys(parallel.files).sort()).toEqual(Object.keys(alone.files).sort());
    for (const [name, bytes] of Object.entries(alone.files)) expect(parallel.files[name], name).toBe(bytes);

    // Not vacuous: every kind of outcome happened, and the counts add up.
    const nodes = parallel.nodes as Record<
      string,
      { read: number; written: number; rejected: number; filtered: number }
    >;
    expect(nodes.parse!.rejected).toBeGreaterThan(100);
    expect(nodes.shape!.rejected).toBeGreaterThan(50);
    expect(nodes.keep!.filtered).toBeGreaterThan(50);
    expect(nodes.out!.written).toBeGreaterThan(500);
    for (const counts of Object.values(nodes)) {
      expect(counts.read).toBe(counts.written + counts.rejected + counts.filtered);
    }
    const lines = parallel.rejected.filter((row) => row.nodeId === 'parse');
    expect(lines.every((row) => typeof row.line === 'number' && row.reasons[0]!.includes(`line ${row.line}`))).toBe(
      true,
    );
  });
});
