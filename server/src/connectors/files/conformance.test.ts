import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FilePayload } from '../../node-kit/contract.ts';
import { manifestName } from '../../node-kit/manifest.ts';
import { backupItems, fileItem } from '../../testing/conformance/checks.ts';
import { describeConformance } from '../../testing/conformance/describe-conformance.ts';
import { filesDestination } from './destination.ts';
import { filesSource } from './source.ts';

/** Part contents with the nasty cases: quotes, newlines, unicode, an empty file. */
const contents = Array.from({ length: 6 }, (_, i) =>
  i === 3 ? '' : `id,name\n${i},"it's ""quoted""\nover two lines"\n${i + 100},ünïcødé ✓\n`,
);
const partName = (i: number) => `orders/part-0000${i + 1}.csv`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && entry.name !== manifestName)
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

describeConformance({
  name: 'files',
  source: {
    type: filesSource,
    async setUp(dir) {
      for (const [i, text] of contents.entries()) {
        await mkdir(path.join(dir, 'in', 'orders'), { recursive: true });
        await writeFile(path.join(dir, 'in', partName(i)), text);
      }
      return {
        config: { path: 'in' },
        expected: contents.map((text, i) => fileItem(partName(i), sha256(text))),
      };
    },
    refused: async () => ({ path: 'no/such/dir' }),
  },
  destination: {
    type: filesDestination,
    async setUp(dir) {
      const out = path.join(dir, 'out');
      const payloads: FilePayload[] = contents.map((text, i) => ({
        kind: 'file',
        name: partName(i),
        stream: 'orders',
        rows: 2,
        open: () => Readable.from([Buffer.from(text)]),
      }));
      return {
        config: { dir: 'out' },
        payloads,
        async readBack() {
          const manifest = await readFile(path.join(out, manifestName), 'utf8').catch(() => undefined);
          return backupItems(manifest, await filesUnder(out));
        },
      };
    },
    async refused(dir) {
      await writeFile(path.join(dir, 'a-file'), 'not a directory');
      return { dir: 'a-file/out' };
    },
  },
});
