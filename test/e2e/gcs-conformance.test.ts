/** gcs.source and gcs.destination through the conformance suite, against the GCS sandbox. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import { gcsDestination } from '../../server/src/connectors/gcs/destination.ts';
import { gcsSource } from '../../server/src/connectors/gcs/source.ts';
import type { FilePayload } from '../../server/src/node-kit/contract.ts';
import { manifestName } from '../../server/src/node-kit/manifest.ts';
import { backupItems, fileItem } from '../../server/src/testing/conformance/checks.ts';
import { describeConformance } from '../../server/src/testing/conformance/describe-conformance.ts';
import { type GcsSandbox, startGcsSandbox } from '../sandboxes/gcs/server.ts';
import { createBucket, download, rawClient, sandboxAccess } from './gcs-support.ts';

let sandbox: GcsSandbox;
let buckets = 0;
/** Each check gets its own bucket, so one check's objects never meet another's. */
const newBucket = async () => (await createBucket(sandbox, `conformance-${++buckets}`)).name;

beforeAll(async () => {
  sandbox = await startGcsSandbox({ port: 0 });
});
afterAll(() => sandbox?.close());

const encryptionKey = 'conformance-encryption-key-3f9a1c';
const contents = Array.from({ length: 6 }, (_, i) => (i === 2 ? '' : `id,name\n${i},"ünïcødé, ""quoted""\nline"\n`));
const partName = (i: number) => `orders/part-0000${i + 1}.csv`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describeConformance({
  name: 'gcs',
  secrets: [encryptionKey],
  source: {
    type: gcsSource,
    async setUp() {
      const bucket = rawClient(sandbox).bucket(await newBucket());
      for (const [i, text] of contents.entries()) await bucket.file(`in/${partName(i)}`).save(text);
      return {
        // The key only decrypts backups; a read by prefix still must never show it.
        config: { ...sandboxAccess(sandbox), bucket: bucket.name, prefix: 'in/', encryptionKey },
        // Named below the prefix, as a restore writes them.
        expected: contents.map((text, i) => fileItem(partName(i), sha256(text))),
      };
    },
    refused: async () => ({ ...sandboxAccess(sandbox), bucket: 'no-such-bucket', prefix: 'in/', encryptionKey }),
  },
  destination: {
    type: gcsDestination,
    async setUp() {
      const bucket = rawClient(sandbox).bucket(await newBucket());
      const payloads: FilePayload[] = contents.map((text, i) => ({
        kind: 'file',
        name: partName(i),
        stream: 'orders',
        rows: 1,
        open: () => Readable.from([Buffer.from(text)]),
      }));
      return {
        config: { ...sandboxAccess(sandbox), bucket: bucket.name, prefix: 'backup', encryptionKey },
        payloads,
        async readBack() {
          const [files] = await bucket.getFiles({ prefix: 'backup/' });
          const names = files.map((file) => file.name.slice('backup/'.length)).filter((name) => name !== manifestName);
          const manifest = files.some((file) => file.name === `backup/${manifestName}`)
            ? (await download(bucket, `backup/${manifestName}`)).toString('utf8')
            : undefined;
          return backupItems(manifest, names.sort());
        },
      };
    },
    refused: async () => ({ ...sandboxAccess(sandbox), bucket: 'no-such-bucket', prefix: 'backup', encryptionKey }),
  },
});
