import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildManifest, manifestName } from '../../node-kit/manifest.ts';
import { temporaryDirectory, testContext } from '../../testing/node-context.ts';
import { filesDestination } from './destination.ts';

/** A backup directory with one part and, unless `manifest` is false, a manifest with these fields. */
async function backup(dir: string, manifest: { flow: string; runId: string; createdAt: string } | false | string) {
  await mkdir(path.join(dir, 'orders'), { recursive: true });
  await writeFile(path.join(dir, 'orders', 'part-00001.csv'), 'id,note\n1,"a ""quoted"", multi\nline"\n');
  if (manifest === false) return;
  const text =
    typeof manifest === 'string'
      ? manifest
      : JSON.stringify({
          ...buildManifest({ flow: manifest.flow, runId: manifest.runId, files: [], schemas: {} }),
          ...manifest,
        });
  await writeFile(path.join(dir, manifestName), text);
}

const sorted = async (dir: string) => (await readdir(dir)).sort();

describe('files.destination keepLast', () => {
  it('keeps the newest complete backups of the flow and leaves incomplete ones and other flows alone', async () => {
    const base = await temporaryDirectory();
    const parent = path.join(base, 'backups');
    // Flow A: five complete backups. a2 finished last of the older ones (say, a resumed run), so
    // "newest" is by manifest createdAt, not by directory name.
    const created = { a1: '2026-11-20T02:00:00Z', a2: '2026-11-23T09:00:00Z', a3: '2026-11-22T02:00:00Z' };
    await backup(path.join(parent, '2026-11-20-a1'), { flow: 'A', runId: 'a1', createdAt: created.a1 });
    await backup(path.join(parent, '2026-11-21-a2'), { flow: 'A', runId: 'a2', createdAt: created.a2 });
    await backup(path.join(parent, '2026-11-22-a3'), { flow: 'A', runId: 'a3', createdAt: created.a3 });
    await backup(path.join(parent, '2026-11-23-a4'), { flow: 'A', runId: 'a4', createdAt: '2026-11-23T02:00:00Z' });
    await backup(path.join(parent, '2026-11-24-a5'), { flow: 'A', runId: 'a5', createdAt: '2026-11-24T02:00:00Z' });
    // Oldest of all but without a manifest: a run that may still be writing.
    await backup(path.join(parent, '2026-11-19-a0'), false);
    // Not backups of A: another flow, a broken manifest, an unfinished one, a plain file.
    await backup(path.join(parent, '2026-11-18-b1'), { flow: 'B', runId: 'b1', createdAt: '2026-11-18T02:00:00Z' });
    await backup(path.join(parent, '2026-11-25-b2'), { flow: 'B', runId: 'b2', createdAt: '2026-11-25T02:00:00Z' });
    await backup(path.join(parent, '2026-11-17-x1'), '{"complete": true, "flow": "A", "files": [');
    await backup(path.join(parent, '2026-11-16-x2'), '{"complete": false, "flow": "A", "files": []}');
    await writeFile(path.join(parent, '2026-11-15-note'), 'not a directory');

    const ctx = testContext(base, { flowName: 'A', runId: 'a5', runDate: '2026-11-24' });
    const pruned = await filesDestination.retain!({ dir: 'backups/{runDate}-{runId}', keepLast: 2 }, ctx);

    expect(pruned.sort()).toEqual(['2026-11-20-a1', '2026-11-22-a3', '2026-11-23-a4'].map((d) => path.join(parent, d)));
    expect(await sorted(parent)).toEqual([
      '2026-11-15-note',
      '2026-11-16-x2',
      '2026-11-17-x1',
      '2026-11-18-b1',
      '2026-11-19-a0',
      '2026-11-21-a2',
      '2026-11-24-a5',
      '2026-11-25-b2',
    ]);
    expect(await sorted(path.join(parent, '2026-11-19-a0', 'orders'))).toEqual(['part-00001.csv']);
  });

  it('always keeps the current run, even with keepLast 1 and an older-looking createdAt', async () => {
    const base = await temporaryDirectory();
    await backup(path.join(base, 'b/run-1'), { flow: 'A', runId: 'run-1', createdAt: '2026-11-23T00:00:00Z' });
    await backup(path.join(base, 'b/run-2'), { flow: 'A', runId: 'run-2', createdAt: '2026-11-22T00:00:00Z' });
    const ctx = testContext(base, { flowName: 'A', runId: 'run-2' });
    const pruned = await filesDestination.retain!({ dir: 'b/{runId}', keepLast: 1 }, ctx);
    expect(pruned).toEqual([path.join(base, 'b/run-1')]);
    expect(await sorted(path.join(base, 'b'))).toEqual(['run-2']);
  });

  it('never deletes the only complete backup, even if the current directory has no manifest', async () => {
    const base = await temporaryDirectory();
    await backup(path.join(base, 'b/run-1'), { flow: 'A', runId: 'run-1', createdAt: '2026-11-22T00:00:00Z' });
    await backup(path.join(base, 'b/run-0'), { flow: 'A', runId: 'run-0', createdAt: '2026-11-21T00:00:00Z' });
    await backup(path.join(base, 'b/run-2'), false);
    const ctx = testContext(base, { flowName: 'A', runId: 'run-2' });
    expect(await filesDestination.retain!({ dir: 'b/{runId}', keepLast: 1 }, ctx)).toEqual([
      path.join(base, 'b/run-0'),
    ]);
    expect(await sorted(path.join(base, 'b'))).toEqual(['run-1', 'run-2']);
  });

  it('deletes nothing when keepLast is larger than the number of backups, or not set', async () => {
    const base = await temporaryDirectory();
    for (const [i, day] of ['20', '21', '22'].entries()) {
      await backup(path.join(base, `b/2026-11-${day}`), {
        flow: 'A',
        runId: `r${i}`,
        createdAt: `2026-11-${day}T00:00:00Z`,
      });
    }
    const ctx = testContext(base, { flowName: 'A', runId: 'r2', runDate: '2026-11-22' });
    expect(await filesDestination.retain!({ dir: 'b/{runDate}', keepLast: 3 }, ctx)).toEqual([]);
    expect(await filesDestination.retain!({ dir: 'b/{runDate}', keepLast: 10 }, ctx)).toEqual([]);
    expect(await filesDestination.retain!({ dir: 'b/{runDate}' }, ctx)).toEqual([]);
    expect(await sorted(path.join(base, 'b'))).toEqual(['2026-11-20', '2026-11-21', '2026-11-22']);
  });

  it('deletes nothing for a static template: it names one backup, rewritten by each run', async () => {
    const base = await temporaryDirectory();
    await backup(path.join(base, 'b/latest'), { flow: 'A', runId: 'r2', createdAt: '2026-11-22T00:00:00Z' });
    await backup(path.join(base, 'b/older'), { flow: 'A', runId: 'r1', createdAt: '2026-11-21T00:00:00Z' });
    const ctx = testContext(base, { flowName: 'A', runId: 'r2' });
    expect(await filesDestination.retain!({ dir: 'b/latest', keepLast: 1 }, ctx)).toEqual([]);
    expect(await filesDestination.retain!({ dir: 'b/{flow}', keepLast: 1 }, ctx)).toEqual([]);
    expect(await sorted(path.join(base, 'b'))).toEqual(['latest', 'older']);
  });

  it('expands {flow} and treats glob characters in the path and flow name literally', async () => {
    const base = path.join(await temporaryDirectory(), 'my backups [v2] (x) *');
    const flowDir = (flow: string, run: string) => path.join(base, 'out', flow, run);
    for (const run of ['r1', 'r2', 'r3']) {
      const createdAt = `2026-11-2${run[1]}T00:00:00Z`;
      await backup(flowDir('orders.v2-nightly', run), { flow: 'orders.v2-nightly', runId: run, createdAt });
      await backup(flowDir('orders', run), { flow: 'orders', runId: run, createdAt });
    }
    const ctx = testContext(base, { flowName: 'orders.v2-nightly', runId: 'r3' });
    const pruned = await filesDestination.retain!({ dir: 'out/{flow}/{runId}', keepLast: 2 }, ctx);
    expect(pruned).toEqual([flowDir('orders.v2-nightly', 'r1')]);
    expect(await sorted(path.join(base, 'out/orders.v2-nightly'))).toEqual(['r2', 'r3']);
    expect(await sorted(path.join(base, 'out/orders'))).toEqual(['r1', 'r2', 'r3']);
  });
});
