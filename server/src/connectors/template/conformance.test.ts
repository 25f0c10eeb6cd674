import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Rec } from '../../node-kit/contract.ts';
import { recordItem } from '../../testing/conformance/checks.ts';
import { describeConformance } from '../../testing/conformance/describe-conformance.ts';
import { templateDestination } from './destination.ts';
import { templateSource } from './source.ts';

/** Build the data in code, with the nasty cases: quotes, newlines, unicode, nulls, big numbers as text. */
const rows: Rec[] = Array.from({ length: 30 }, (_, i) => ({
  id: i + 1,
  name: [`plain ${i}`, `"quoted", ${i}`, `two\nlines ${i}`, `ünïcødé ✓ ${i}`][i % 4],
  amount: i % 5 === 0 ? null : String(2n ** 63n + BigInt(i)),
}));

const jsonLines = (records: Rec[]) => records.map((record) => `${JSON.stringify(record)}\n`).join('');

describeConformance({
  name: 'template',
  source: {
    type: templateSource,
    async setUp(dir) {
      await writeFile(path.join(dir, 'in.jsonl'), jsonLines(rows));
      return { config: { path: 'in.jsonl' }, expected: rows.map(recordItem) };
    },
    refused: async () => ({ path: 'missing.jsonl' }),
  },
  destination: {
    type: templateDestination,
    async setUp(dir) {
      return {
        config: { path: 'out.jsonl' },
        payloads: [0, 1, 2, 3, 4].map((b) => ({
          kind: 'records',
          stream: 'rows',
          records: rows.slice(b * 6, b * 6 + 6),
        })),
        async readBack() {
          const text = await readFile(path.join(dir, 'out.jsonl'), 'utf8').catch(() => '');
          return text
            .split('\n')
            .filter(Boolean)
            .map((line) => recordItem(JSON.parse(line) as Rec));
        },
      };
    },
    async refused(dir) {
      await writeFile(path.join(dir, 'a-file'), 'not a directory');
      return { path: 'a-file/out.jsonl' };
    },
  },
});
