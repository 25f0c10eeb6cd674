/**
 * A restore from GCS that failed part-way, resumed: it continues after the last checkpointed part
 * in the order it reads the parts, so every part lands once.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GcsSandbox, startGcsSandbox } from '../sandboxes/gcs/server.ts';
import { chainFlow, createBucket, download, readBackupManifest, runInProcess, sandboxAccess } from './gcs-support.ts';
import { workDir } from './support.ts';

const bucketName = 'restore-resume';

let sandbox: GcsSandbox;

beforeAll(async () => {
  sandbox = await startGcsSandbox({ port: 0 });
});

afterAll(async () => {
  await sandbox?.close();
});

/** Two streams whose names sort differently by locale (`_` before `/`) than by code unit (`/` before `_`). */
const exported: Record<string, string> = {
  'orders/part-00001.csv': 'order_id,note\n1,"first, ""quoted"""\n2,Zoë 🚀\n',
  'orders/part-00002.csv': 'order_id,note\n3,third\n',
  'orders_archive/part-00001.csv': 'order_id,note\n-1,"archived\nlong ago"\n',
};

describe('resuming a failed restore from GCS', () => {
  // Stream names that sort differently by locale and by code unit (orders_archive/ vs orders/): the
  // read order and the resume cursor's comparison must agree, or a resume skips parts.
  it('reads every part once when a restore that failed after a checkpoint is resumed', async () => {
    const cwd = await workDir('gcs-restore-resume');
    for (const [name, content] of Object.entries(exported)) {
      await mkdir(path.dirname(path.join(cwd, 'export', name)), { recursive: true });
      await writeFile(path.join(cwd, 'export', name), content);
    }
    const bucket = await createBucket(sandbox, bucketName);
    const backup = await runInProcess(
      cwd,
      chainFlow('gcs-two-streams', [
        { id: 'export', type: 'files.source', config: { path: 'export' } },
        {
          id: 'out',
          type: 'gcs.destination',
          config: { bucket: bucketName, prefix: 'backups/{flow}/{runId}', ...sandboxAccess(sandbox) },
        },
      ]),
    );
    expect(backup.error).toBeUndefined();
    const location = `backups/gcs-two-streams/${backup.runId}`;
    expect((await readBackupManifest(bucket, location)).files.map((f) => f.name).sort()).toEqual(
      Object.keys(exported).sort(),
    );

    // A part changed behind the backup's back fails the first attempt. Read in locale order, the
    // archive part would come first and be checkpointed, and the resume would then skip orders/….
    const object = `${location}/orders/part-00001.csv`;
    const original = await download(bucket, object);
    await bucket.file(object).save('order_id,note\n1,changed\n', { resumable: false });
    const restoreFlow = chainFlow('gcs-two-streams-restore', [
      {
        id: 'backup',
        type: 'gcs.source',
        config: { bucket: bucketName, prefix: 'backups/gcs-two-streams', backup: 'latest', ...sandboxAccess(sandbox) },
      },
      { id: 'files', type: 'files.destination', config: { dir: 'restored' } },
    ]);
    const failed = await runInProcess(cwd, restoreFlow);
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toContain('orders/part-00001.csv: sha256');

    await bucket.file(object).save(original, { resumable: false });
    const resumed = await runInProcess(cwd, restoreFlow, { resume: true });
    expect(resumed).toMatchObject({ runId: failed.runId, resumed: true, status: 'succeeded' });
    const restoredDir = path.join(cwd, 'restored');
    const restored = (await readdir(restoredDir, { recursive: true })).filter((name) => name.endsWith('.csv')).sort();
    expect(restored).toEqual(Object.keys(exported).sort());
    for (const name of restored) expect(await readFile(path.join(restoredDir, name), 'utf8')).toBe(exported[name]);
  });
});
