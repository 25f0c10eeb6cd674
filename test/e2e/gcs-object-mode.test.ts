/** gcs.source without `backup`: the objects under a prefix that match a glob, read in name order. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GcsSandbox, startGcsSandbox } from '../sandboxes/gcs/server.ts';
import { chainFlow, createBucket, runInProcess, sandboxAccess } from './gcs-support.ts';
import { query, workDir } from './support.ts';

let sandbox: GcsSandbox;

beforeAll(async () => {
  sandbox = await startGcsSandbox({ port: 0 });
});

afterAll(async () => {
  await sandbox?.close();
});

/** The CSVs the glob must pick, keyed by object name, each row naming its file; uploaded out of name order. */
const csvs: Record<string, string> = {
  'exports/2024/02/b.csv': 'origin,n,note\nb,1,"say ""hi"", then\nleave"\nb,2,Zoë ✓ 🚀\nb,3,\n',
  'exports/2023/z.csv': 'origin,n,note\nz,1,plain\nz,2,"a,b"\nz,3,9007199254740993\nz,4,"  padded  "\n',
  'exports/2024/01/a.csv': 'origin,n,note\na,1,first\na,2,"last, with a comma"\n',
};

/** Objects near the CSVs that the prefix or the glob must leave out. */
const others: Record<string, string> = {
  'exports/2024/01/a.csv.bak': 'origin,n,note\nbak,1,old\n',
  'exports/2024/readme.txt': 'origin,n,note\nreadme,1,not a csv\n',
  'exports/2024/.hidden.csv': 'origin,n,note\nhidden,1,dot file\n',
  'exports-old/d.csv': 'origin,n,note\nold,1,other prefix\n',
  'imports/c.csv': 'origin,n,note\nimports,1,other prefix\n',
};

describe('gcs.source object mode', () => {
  it('reads exactly the objects under the prefix matching the glob, in name order, into records', async () => {
    const cwd = await workDir('gcs-objects');
    const bucket = await createBucket(sandbox, 'object-mode');
    for (const [name, content] of Object.entries({ ...csvs, ...others })) {
      await bucket.file(name).save(content, { resumable: false, contentType: 'text/csv' });
    }
    const flow = chainFlow('gcs-objects', [
      {
        id: 'exports',
        type: 'gcs.source',
        config: { bucket: 'object-mode', prefix: 'exports/', glob: 'exports/**/*.csv', ...sandboxAccess(sandbox) },
      },
      { id: 'parse', type: 'csv.parse', config: {} },
      { id: 'table', type: 'duckdb.destination', config: { path: 'out.duckdb', table: 'exported' } },
    ]);
    const summary = await runInProcess(cwd, {
      ...flow,
      edges: [flow.edges[0]!, { from: 'parse:records', to: 'table' }],
    });
    expect(summary.error).toBeUndefined();
    expect(summary.nodes.exports).toMatchObject({ files: 3 });
    expect(summary.nodes.parse).toMatchObject({ read: 9, written: 9, rejected: 0 });
    expect(summary.nodes.table).toMatchObject({ read: 9, written: 9, rejected: 0 });

    // duckdb.destination appends in arrival order, so rowid shows the order the files were read in.
    const database = path.join(cwd, 'out.duckdb');
    expect(
      await query(`select origin, count(*)::integer as n from exported group by origin order by min(rowid)`, database),
    ).toEqual([
      { origin: 'z', n: 4 },
      { origin: 'a', n: 2 },
      { origin: 'b', n: 3 },
    ]);
    expect(await query(`select origin, n::varchar as n, note from exported order by rowid`, database)).toEqual([
      { origin: 'z', n: '1', note: 'plain' },
      { origin: 'z', n: '2', note: 'a,b' },
      { origin: 'z', n: '3', note: '9007199254740993' },
      { origin: 'z', n: '4', note: '  padded  ' },
      { origin: 'a', n: '1', note: 'first' },
      { origin: 'a', n: '2', note: 'last, with a comma' },
      { origin: 'b', n: '1', note: 'say "hi", then\nleave' },
      { origin: 'b', n: '2', note: 'Zoë ✓ 🚀' },
      { origin: 'b', n: '3', note: null },
    ]);
  });
});
