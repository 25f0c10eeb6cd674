/**
 * Entry 6: 1 GiB of part files backed up through `runFlow` (files.source → gcs.destination) against
 * `@google-cloud/storage` uploading the same files itself (resumable, same chunk size, CRC32C
 * validated), one file after the other on both sides. Both talk to the GCS sandbox with its memory
 * store, run as its own process so its work does not share the benchmark's event loop.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Storage } from '@google-cloud/storage';
import { dataDir } from '../bench-data.ts';
import type { EntryResult } from '../entry-result.ts';
import { ratioOf } from '../entry-result.ts';
import { runFlowTrial } from '../flow-run.ts';
import { startSandboxProcess, stopSandboxProcess } from '../sandbox-process.ts';
import { medianTrial, pairTrials, type Trial, timed } from '../timing.ts';
import { timeFigure } from './duckdb-export.ts';

const MiB = 1024 * 1024;
const partCount = 16;
const partBytes = 64 * MiB;
const totalBytes = partCount * partBytes;
/** gcs.destination's default chunk size, given to both sides. */
const chunkSize = 16 * MiB;
const maxRatio = 1.2;
const bucketName = 'bench-gcs-upload';

/** The part files: pseudo-random bytes (an AES-CTR keystream: gzip cannot shrink it), written once. */
async function partFilesOnce(): Promise<string[]> {
  const dir = path.join(dataDir, 'gcs-parts-1gib');
  const names = Array.from({ length: partCount }, (_, i) => `part-${String(i + 1).padStart(5, '0')}.bin`);
  if (!(await exists(dir))) {
    const building = `${dir}.building`;
    await rm(building, { recursive: true, force: true });
    await mkdir(building, { recursive: true });
    for (const name of names) {
      const key = createHash('sha256').update(name).digest();
      await writeFile(
        path.join(building, name),
        createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(partBytes)),
      );
    }
    await rename(building, dir);
  }
  return names.map((name) => path.join(dir, name));
}

interface UploadTrial extends Trial {
  objects: number;
  bytes: number;
}

/** What landed under `prefix`, then removed so the sandbox's memory holds one trial at a time. */
async function collect(storage: Storage, prefix: string): Promise<{ objects: number; bytes: number }> {
  const bucket = storage.bucket(bucketName);
  const [files] = await bucket.getFiles({ prefix });
  const parts = files.filter((file) => file.name.endsWith('.bin'));
  const bytes = parts.reduce((sum, file) => sum + Number(file.metadata.size), 0);
  await bucket.deleteFiles({ prefix });
  return { objects: parts.length, bytes };
}

function checkUpload(side: string, trial: UploadTrial): void {
  if (trial.objects !== partCount || trial.bytes !== totalBytes) {
    throw new Error(
      `6 ${side}: expected ${partCount} objects of ${totalBytes} bytes, got ${trial.objects} of ${trial.bytes}`,
    );
  }
}

export async function measureGcsUpload(): Promise<EntryResult> {
  // A custom endpoint needs no credentials; should anything still look for the metadata server, it finds nothing.
  process.env.GCE_METADATA_HOST ??= '127.0.0.1:9';
  const files = await partFilesOnce();
  const sandbox = await startSandboxProcess('gcs');
  try {
    const storage = new Storage({ apiEndpoint: sandbox.url, projectId: 'bench' });
    await storage.createBucket(bucketName);
    let trialNumber = 0;

    const peer = async (): Promise<UploadTrial> => {
      const prefix = `peer-${++trialNumber}/`;
      const bucket = storage.bucket(bucketName);
      const { ms } = await timed(async () => {
        for (const file of files) {
          await bucket.upload(file, {
            destination: `${prefix}${path.basename(file)}`,
            resumable: true,
            chunkSize,
            validation: 'crc32c',
            contentType: 'application/octet-stream',
          });
        }
      });
      return { ms, ...(await collect(storage, prefix)) };
    };

    const ours = async (): Promise<UploadTrial> => {
      const prefix = `ours-${++trialNumber}`;
      const trial = await runFlowTrial({
        name: 'bench-gcs-upload',
        nodes: [
          { id: 'parts', type: 'files.source', config: { path: path.dirname(files[0]!) } },
          {
            id: 'bucket',
            type: 'gcs.destination',
            config: { bucket: bucketName, prefix, chunkSize, apiEndpoint: sandbox.url, projectId: 'bench' },
          },
        ],
        edges: [{ from: 'parts', to: 'bucket' }],
      });
      const [manifest] = await storage.bucket(bucketName).file(`${prefix}/_manifest.json`).exists();
      if (!manifest) throw new Error('6 ours: the backup has no manifest');
      return { ms: trial.ms, ...(await collect(storage, `${prefix}/`)) };
    };

    const trials = await pairTrials(peer, ours);
    for (const trial of trials.peer) checkUpload('peer', trial);
    for (const trial of trials.ours) checkUpload('ours', trial);
    const oursFigure = timeFigure('runFlow files.source → gcs.destination', trials.ours);
    const peerFigure = timeFigure('@google-cloud/storage bucket.upload, resumable', trials.peer);
    const ratio = ratioOf(oursFigure, peerFigure);
    const rate = (trial: Trial) => `${(totalBytes / 1e6 / (trial.ms / 1000)).toFixed(0)} MB/s`;
    return {
      entry: '6 GCS backup 1 GiB',
      ours: oursFigure,
      peer: peerFigure,
      ratio,
      goal: { text: `ours ≤ ${maxRatio}× peer`, pass: ratio <= maxRatio },
      notes: [
        `${partCount} files of ${partBytes / MiB} MiB (incompressible), uploaded one after the other, ${chunkSize / MiB} MiB chunks, CRC32C checked on both sides`,
        `rates: ours ${rate(medianTrial(trials.ours))}, peer ${rate(medianTrial(trials.peer))}`,
        'GCS sandbox with its memory store, in its own process (objects deleted after each trial)',
        'ours also hashes every part (sha256, for the manifest) and saves a checkpoint after each',
      ],
    };
  } finally {
    await stopSandboxProcess(sandbox);
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
