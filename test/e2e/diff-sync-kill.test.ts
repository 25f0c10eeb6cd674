/**
 * A diffed sync killed with SIGKILL and resumed, through the CLI: a warehouse table mirrored into
 * PostgreSQL by key; after changes at the source the re-sync is killed mid-batches (at a batch's
 * COPY into staging), and a later one while it stages its mirror's deletes. Each resume ends with
 * the table equal to the source and the summary counting exactly the changes; the snapshot is
 * consistent: the re-sync after sends and deletes nothing.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { usePostgresDatabase } from '../../server/src/connectors/postgres/test-database.ts';
import { describeWithServices, postgresService } from '../../server/src/testing/services.ts';
import { envRef, holdAtSql, holding, query, spawnCliWithEnv, workDir } from './support.ts';

const rows = 12_000;
const target = usePostgresDatabase();

const flow = {
  name: 'customers-mirror',
  settings: { batchSize: 1000 },
  nodes: [
    { id: 'warehouse', type: 'duckdb.source', config: { path: 'warehouse.duckdb', table: 'customers', key: 'id' } },
    {
      id: 'app',
      type: 'postgres.destination',
      config: { url: envRef('TARGET_URL'), table: 'customers', mode: 'mirror', key: 'id' },
    },
  ],
  edges: [{ from: 'warehouse', to: 'app' }],
};

/** Every row of both sides in one canonical text form, ordered by id. */
async function sourceRows(cwd: string): Promise<string[]> {
  const found = await query(
    `select id::varchar || '|' || email || '|' || coalesce(note, '∅') || '|' || balance::varchar as line
       from customers order by id`,
    path.join(cwd, 'warehouse.duckdb'),
  );
  return found.map((row) => String(row.line));
}

async function destinationRows(): Promise<string[]> {
  const found = await target.sql(
    `select id::text || '|' || email || '|' || coalesce(note, '∅') || '|' || balance::text as line from customers order by id`,
  );
  return found.map((row) => String(row.line));
}

await describeWithServices('a diffed sync killed with SIGKILL', [postgresService], () => {
  it('resumes to a table equal to the source, counting exactly the changes, and the next re-sync sends nothing', async () => {
    const cwd = await workDir('diff-kill');
    const warehouse = path.join(cwd, 'warehouse.duckdb');
    await query(
      `create table customers as
         select i::bigint as id, 'customer.' || i || '@example.com' as email,
                case i % 9 when 0 then null when 1 then 'says "hi", then
leaves' else 'Zoë ✓ ' || i end as note,
                (i % 1000)::decimal(12,2) as balance
           from range(1, ${rows + 1}) t(i)`,
      warehouse,
    );
    await writeFile(path.join(cwd, 'flow.json'), JSON.stringify(flow));
    const env = { TARGET_URL: target.url };
    const run = async (args: string[], hold?: Record<string, string>) => {
      const cli = spawnCliWithEnv(['run', 'flow.json', '--json', ...args], cwd, { ...env, ...hold });
      if (hold) {
        await holding(cli);
        cli.child.kill('SIGKILL');
        expect((await cli.done).signal).toBe('SIGKILL');
        return undefined;
      }
      const done = await cli.done;
      expect(done.code, `${done.stderr}${done.stdout}`).toBe(0);
      return JSON.parse(done.stdout) as { status: string; nodes: Record<string, Record<string, number>> };
    };

    const first = await run([]);
    expect(first?.nodes.app).toMatchObject({ written: rows, inserted: rows, updated: 0, deleted: 0 });

    // 300 changed, 120 deleted, 80 added, spread over every batch; killed at the 5th batch's COPY.
    await query(
      `update customers set balance = balance + 1 where id % 40 = 5;
       delete from customers where id % 100 = 17;
       insert into customers select i, 'new.' || i || '@example.com', 'new', 1 from range(${rows + 1}, ${rows + 81}) t(i)`,
      warehouse,
    );
    await run([], holdAtSql('^\\s*COPY\\s+\\S+.*FROM\\s+STDIN', 5));
    const resumed = await run(['--resume']);
    expect(resumed?.status).toBe('succeeded');
    expect(resumed?.nodes.app).toMatchObject({ inserted: 80, updated: 300, deleted: 120, written: 380 });
    expect(await destinationRows()).toEqual(await sourceRows(cwd));

    // 121 deleted (one of them added above), 25 changed; killed while staging the mirror's deletes (after every batch).
    await query(
      `delete from customers where id % 100 = 42; update customers set note = 'changed' where id % 500 = 3`,
      warehouse,
    );
    await run([], holdAtSql('jsonb_populate_recordset', 1));
    const again = await run(['--resume']);
    expect(again?.nodes.app).toMatchObject({ inserted: 0, updated: 25, deleted: 121 });
    expect(await destinationRows()).toEqual(await sourceRows(cwd));

    const quiet = await run([]);
    expect(quiet?.nodes.app).toMatchObject({
      written: 0,
      inserted: 0,
      updated: 0,
      deleted: 0,
      unchanged: rows - 120 + 80 - 121,
    });
    expect(await destinationRows()).toEqual(await sourceRows(cwd));
  });
});
