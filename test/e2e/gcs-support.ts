/** What the GCS e2e tests share: the sandbox and a raw client on it, flows run in-process, a table of every type. */
import path from 'node:path';
import { type Bucket, Storage } from '@google-cloud/storage';
import { Redactor } from '../../server/src/secrets/redactor.ts';
import { type RunSummary, runFlow } from '../../server/src/service/flow-runner.ts';
import { StateStore } from '../../server/src/store/state-store.ts';
import type { GcsSandbox } from '../sandboxes/gcs/server.ts';

export { manifestName } from './orders-backup.ts';

/** The node config a GCS node needs to reach the sandbox (a custom endpoint makes `projectId` required). */
export function sandboxAccess(sandbox: Pick<GcsSandbox, 'url'>) {
  return { apiEndpoint: sandbox.url, projectId: 'test' };
}

/** `@google-cloud/storage` as a user points it at the sandbox: no credentials, no metadata server. */
export function rawClient(sandbox: Pick<GcsSandbox, 'url'>): Storage {
  return new Storage(sandboxAccess(sandbox));
}

export async function createBucket(sandbox: Pick<GcsSandbox, 'url'>, name: string): Promise<Bucket> {
  const [bucket] = await rawClient(sandbox).createBucket(name);
  return bucket;
}

export interface StoredObject {
  name: string;
  generation: string;
}

/** Every object under `prefix`, by name. */
export async function objectsUnder(bucket: Bucket, prefix: string): Promise<StoredObject[]> {
  const [files] = await bucket.getFiles({ prefix });
  return files
    .map((file) => ({ name: file.name, generation: String(file.metadata.generation) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function download(bucket: Bucket, name: string): Promise<Buffer> {
  const [content] = await bucket.file(name).download();
  return content;
}

export interface BackupManifest {
  complete: boolean;
  flow: string;
  runId: string;
  rows: number;
  files: { name: string; stream: string; rows: number; bytes: number; sha256: string; storedBytes?: number }[];
  encryption?: { algorithm: string; format: string };
}

export async function readBackupManifest(bucket: Bucket, location: string): Promise<BackupManifest> {
  return JSON.parse((await download(bucket, `${location}/_manifest.json`)).toString('utf8')) as BackupManifest;
}

type FlowNode = { id: string; type: string; config: Record<string, unknown> };

/** A flow whose nodes run one after the other. */
export function chainFlow(name: string, nodes: FlowNode[]) {
  const edges = nodes.slice(1).map((node, index) => ({ from: nodes[index]!.id, to: node.id }));
  return { name, settings: { batchSize: 5000 }, nodes, edges };
}

/**
 * Runs a flow in this process, `cwd` being its base directory and holding its state store, as the
 * CLI would (secrets the flow resolves are redacted from logs and errors).
 */
export async function runInProcess(cwd: string, document: unknown, options: { resume?: boolean } = {}) {
  const dataDir = path.join(cwd, '.backflow');
  const store = await StateStore.open(dataDir);
  const redactor = new Redactor();
  store.redact = (text) => redactor.redact(text);
  try {
    const summary: RunSummary = await runFlow({ store, document, redactor, baseDir: cwd, dataDir, ...options });
    return summary;
  } finally {
    await store.close();
  }
}

/** Row count and an order-independent hash over every column. */
export const checksumSql = (table: string) =>
  `select count(*)::varchar as n, bit_xor(hash(columns(*)))::varchar as hash from ${table}`;

export const columnTypesSql = (table: string) =>
  `select column_name, data_type from information_schema.columns where table_name = '${table}' order by ordinal_position`;

/** Rows in one table and not the other, both ways, counting duplicates (attach `a` and `b` first). */
export const differingRowsSql = (left: string, right: string) =>
  `select count(*)::integer as differing from (
     (select * from ${left} except all select * from ${right})
     union all (select * from ${right} except all select * from ${left}))`;
