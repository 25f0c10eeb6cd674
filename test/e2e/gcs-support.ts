/** What the GCS e2e tests share: the sandbox and a raw client on it, flows run in-process, a table of every type. */
import path from 'node:path';
import { type Bucket, Storage } from '@google-cloud/storage';
import { type RunSummary, runFlow } from '../../server/src/engine/flow-runner.ts';
import { Redactor } from '../../server/src/secrets/redactor.ts';
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

/**
 * Every type the round trip must keep, with the nasty values of each and a row of NULLs, then
 * `generated` deterministic rows of high-entropy values, so that a part spans several upload chunks.
 */
export function everyTypeTable(generated: number): string {
  return `
  create table everything as
  select * from (values
    (1, 9007199254740993::bigint, 12345678901234.56::decimal(18,2), 1234567890123456789012345678.0123456789::decimal(38,10),
     date '2024-02-29', timestamp '2024-02-29 23:59:59.123456', timestamptz '2024-02-29 23:59:59.123456+00',
     [1, 2, null]::integer[], {'a': 1, 'b': 'x "y"'}::struct(a integer, b varchar), '\\x00\\xFF,\\x0A'::blob,
     '0e9c6bd4-6d1b-4e4b-9b8a-5a4f5f1f5c11'::uuid, 'comma, "quote"\nnewline Zoë 🚀'),
    (2, '-9223372036854775808'::bigint, -0.01::decimal(18,2), 0::decimal(38,10),
     date '1970-01-01', timestamp '1970-01-01 00:00:00', timestamptz '1999-12-31 23:00:00-05',
     []::integer[], {'a': null, 'b': ''}::struct(a integer, b varchar), ''::blob,
     '00000000-0000-0000-0000-000000000000'::uuid, ''),
    (3, null, null, null, null, null, null, null, null, null, null, null)
  ) t(id, big, money, precise, day, moment, moment_tz, list, struct, bytes, uuid, text);
  insert into everything
  select i,
         (hash(i) >> 1)::bigint - 4611686018427387904,
         ((hash(i, 'money') % 2000000000)::bigint - 1000000000) / 100,
         (hash(i, 'precise') % 1000000000000)::decimal(38,10) / 7,
         date '1900-01-01' + (hash(i, 'day') % 70000)::integer,
         timestamp '1900-01-01' + to_microseconds((hash(i, 'moment') % 4000000000000000)::bigint),
         timestamptz '1900-01-01 00:00:00+00' + to_microseconds((hash(i, 'tz') % 4000000000000000)::bigint),
         case when i % 9 = 0 then null else [i, null, -i]::integer[] end,
         {'a': i, 'b': md5(i::varchar) || ', "' || chr(10) || '"'}::struct(a integer, b varchar),
         unhex(md5(i::varchar) || md5((i + 1)::varchar))::blob,
         md5((i * 31)::varchar)::uuid,
         case i % 5 when 0 then null when 1 then 'say "hi",' || chr(10) || md5(i::varchar) when 2 then 'Zoë 🚀 ' || i
           else sha256(i::varchar) end
  from range(4, ${generated + 4}) r(i);`;
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
