import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { holdBeforePart, holding, spawnCliWithEnv, workDir } from './support.ts';

/** Small pieces, so each file is parsed on worker threads in dozens of them. */
const onWorkers = { BACKFLOW_PARSE_WORKERS: '2', BACKFLOW_PARSE_PIECE_BYTES: '4096' };

function ordersCsv(file: number, rows: number): string {
  const lines = ['order_id,customer,amount,note'];
  for (let i = 1; i <= rows; i++) {
    const id = file * 100_000 + i;
    if (i % 97 === 0) lines.push(`${id},"broken"x,1,y`);
    else if (i % 89 === 0) lines.push(`${id},Zoë,not-a-number,"multi\nline"`);
    else lines.push(`${id},"Customer, ${i % 50}",${(i * 13) % 1000}.25,"say ""hi"" ${i}"`);
  }
  return `${lines.join('\n')}\n`;
}

const flow = {
  name: 'parallel-kill',
  nodes: [
    { id: 'files', type: 'files.source', config: { path: 'in/*.csv' } },
    { id: 'parse', type: 'csv.parse', config: {} },
    { id: 'shape', type: 'map', config: { cast: { amount: 'number', order_id: 'integer' } } },
    { id: 'fmt', type: 'json.format', config: { rowsPerFile: 1000 } },
    { id: 'out', type: 'files.destination', config: { dir: 'out/{runId}' } },
  ],
  edges: [
    { from: 'files', to: 'parse' },
    { from: 'parse', to: 'shape' },
    { from: 'shape', to: 'fmt' },
    { from: 'fmt', to: 'out' },
  ],
};

async function prepare(prefix: string): Promise<string> {
  const cwd = await workDir(prefix);
  await mkdir(path.join(cwd, 'in'));
  for (const file of [1, 2, 3]) await writeFile(path.join(cwd, 'in', `orders-${file}.csv`), ordersCsv(file, 3000));
  await writeFile(path.join(cwd, 'flow.json'), JSON.stringify(flow));
  return cwd;
}

/** Every record written, by stream, in part order. */
async function written(runDir: string): Promise<Record<string, string[]>> {
  const streams: Record<string, string[]> = {};
  for (const stream of (await readdir(runDir)).filter((name) => !name.startsWith('_')).sort()) {
    const parts = (await readdir(path.join(runDir, stream))).sort();
    const texts = await Promise.all(parts.map((part) => readFile(path.join(runDir, stream, part), 'utf8')));
    streams[stream] = texts.join('').split('\n').slice(0, -1);
  }
  return streams;
}

async function runToEnd(cwd: string, args: string[], env: Record<string, string>) {
  const run = await spawnCliWithEnv(args, cwd, env).done;
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout);
}

describe('a chain on worker threads, killed mid-file', () => {
  it('resumes to exactly what one uninterrupted run on one thread writes', async () => {
    const reference = await prepare('parallel-reference');
    const expected = await runToEnd(reference, ['run', 'flow.json', '--json'], { BACKFLOW_PARSE_WORKERS: '0' });

    const cwd = await prepare('parallel-kill');
    const first = spawnCliWithEnv(['run', 'flow.json', '--json'], cwd, {
      ...onWorkers,
      ...holdBeforePart('part-00002.ndjson'),
    });
    await holding(first);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');

    const resumed = await runToEnd(cwd, ['run', 'flow.json', '--resume', '--json'], onWorkers);
    expect(resumed).toMatchObject({ runId: expect.any(String), status: 'succeeded', resumed: true });
    const counts = (summary: { nodes: Record<string, Record<string, number>> }) =>
      Object.fromEntries(Object.entries(summary.nodes).map(([id, { files: _parts, ...rest }]) => [id, rest]));
    expect(counts(resumed)).toEqual(counts(expected));
    expect(resumed.nodes.parse.rejected).toBe(3 * 30);
    expect(resumed.nodes.shape.rejected).toBe(3 * 33);

    const records = await written(path.join(cwd, 'out', resumed.runId));
    expect(records).toEqual(await written(path.join(reference, 'out', expected.runId)));
    expect(Object.values(records).flat()).toHaveLength(3 * (3000 - 30 - 33));
  });
});
