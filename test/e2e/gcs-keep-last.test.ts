/** gcs.destination `keepLast`: after each successful run, only the flow's newest complete backups remain. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GcsSandbox, startGcsSandbox } from '../sandboxes/gcs/server.ts';
import {
  chainFlow,
  createBucket,
  manifestName,
  objectsUnder,
  readBackupManifest,
  runInProcess,
  sandboxAccess,
} from './gcs-support.ts';
import { createOrders } from './orders-backup.ts';
import { workDir } from './support.ts';

const bucketName = 'keep-last';
const flowName = 'gcs-keep-last';
const prefix = `backups/${flowName}`;

let sandbox: GcsSandbox;

beforeAll(async () => {
  sandbox = await startGcsSandbox({ port: 0 });
});

afterAll(async () => {
  await sandbox?.close();
});

describe('gcs.destination keepLast', () => {
  it('keeps exactly the 2 newest complete backups of 4 runs; an incomplete backup and another flow’s stay', async () => {
    const cwd = await workDir('gcs-keep-last');
    await createOrders(path.join(cwd, 'source.duckdb'), 1000);
    const bucket = await createBucket(sandbox, bucketName);
    // A crashed run's parts (no manifest), and a complete backup another flow wrote under the same prefix.
    const crashed = `${prefix}/00000000T000000Z-crashed/orders/part-00001.csv.gz`;
    await bucket.file(crashed).save('half a backup', { resumable: false });
    const foreign = `${prefix}/00000000T000001Z-foreign`;
    await bucket.file(`${foreign}/orders/part-00001.csv.gz`).save('not ours', { resumable: false });
    await bucket.file(`${foreign}/${manifestName}`).save(
      JSON.stringify({
        complete: true,
        format: 'backflow-manifest/1',
        flow: 'another-flow',
        runId: 'foreign',
        createdAt: '2000-01-01T00:00:00.000Z',
        rows: 0,
        files: [],
        streams: {},
      }),
      { resumable: false },
    );
    const untouched = await objectsUnder(bucket, `${prefix}/0000`);

    const flow = chainFlow(flowName, [
      { id: 'orders', type: 'duckdb.source', config: { path: 'source.duckdb', table: 'orders', key: 'order_id' } },
      { id: 'fmt', type: 'csv.format', config: { rowsPerFile: 400, gzip: true } },
      {
        id: 'out',
        type: 'gcs.destination',
        config: { bucket: bucketName, prefix: 'backups/{flow}/{runId}', keepLast: 2, ...sandboxAccess(sandbox) },
      },
    ]);
    const runIds: string[] = [];
    for (let run = 0; run < 4; run++) {
      const summary = await runInProcess(cwd, flow);
      expect(summary.error).toBeUndefined();
      runIds.push(summary.runId);
    }

    const kept = runIds.slice(2);
    const expected = [...untouched];
    for (const runId of kept) {
      const location = `${prefix}/${runId}`;
      const manifest = await readBackupManifest(bucket, location);
      expect(manifest).toMatchObject({ complete: true, runId, rows: 1000 });
      expect(manifest.files).toHaveLength(3);
      expected.push(
        ...(await objectsUnder(bucket, `${location}/`)).filter((o) =>
          [...manifest.files.map((f) => f.name), manifestName].some((name) => o.name === `${location}/${name}`),
        ),
      );
    }
    const remaining = await objectsUnder(bucket, `${prefix}/`);
    expect(remaining.map((o) => o.name)).toEqual(expected.map((o) => o.name).sort((a, b) => a.localeCompare(b)));
    expect(remaining).toHaveLength(untouched.length + 2 * 4);
    expect(
      remaining.filter((o) => runIds.slice(0, 2).some((runId) => o.name.startsWith(`${prefix}/${runId}/`))),
    ).toEqual([]);
    // What is not this flow's complete backup is not even rewritten.
    expect(remaining.filter((o) => o.name.startsWith(`${prefix}/0000`))).toEqual(untouched);
  });
});
