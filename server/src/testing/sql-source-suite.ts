/**
 * The behaviour every database source shares (node-kit/sql/read-streams.ts), checked against a real
 * server: foreign-key order, exact resume at every batch (single, composite and no key, and a
 * query), batches aligned to parts, incremental reads with rows sharing a cursor value, a lookback
 * that finds a late-committed row without repeating the others, and a cancelled read.
 */
import { expect, it } from 'vitest';
import { CancelledError, ConfigError } from '../errors.ts';
import type { Rec, RecordBatch, SourceBatch, SourceType } from '../node-kit/contract.ts';
import { collect, temporaryDirectory, testContext } from './node-context.ts';

export interface SqlSourceSuite<C> {
  type: SourceType<C>;
  /** A config reading from the test database (`what`: query, table or tables). */
  config(what: Partial<C>): C;
  /** Runs SQL (`?` placeholders) in the test database. */
  sql(text: string, values?: unknown[]): Promise<unknown>;
  /** The database's type of a timestamp without zone with microseconds. */
  timestampType: string;
}

type Batch = RecordBatch & { cursor: unknown };
const recordBatches = (batches: SourceBatch[]) => batches.filter((b): b is Batch => b.kind === 'records');
const recordsOf = (batches: SourceBatch[]) => recordBatches(batches).flatMap((batch) => batch.records);

export function sqlSourceSuite<C>(suite: SqlSourceSuite<C>): void {
  const { type, sql } = suite;
  const read = async (config: C, overrides: Parameters<typeof testContext>[1] = {}) =>
    collect(type.read(config, testContext(await temporaryDirectory(), { batchSize: 4, ...overrides })));

  /** Reads, killed after each batch in turn and resumed from its cursor: the two parts together are the full read. */
  const expectExactResume = async (config: C, overrides: Parameters<typeof testContext>[1] = {}) => {
    const full = await read(config, overrides);
    const all = recordsOf(full);
    expect(full.length).toBeGreaterThan(2);
    for (let killedAfter = 1; killedAfter < full.length; killedAfter++) {
      const cursor = full[killedAfter - 1]!.cursor;
      const rest = await read(config, { ...overrides, resumeCursor: JSON.parse(JSON.stringify(cursor)) });
      expect(
        [...recordsOf(full.slice(0, killedAfter)), ...recordsOf(rest)],
        `killed after batch ${killedAfter}`,
      ).toEqual(all);
    }
    return all;
  };

  it('reads parents before children by foreign key, each table its own stream with its shape', async () => {
    await sql(`CREATE TABLE z_parent (id int PRIMARY KEY, name varchar(20) NOT NULL)`);
    await sql(
      `CREATE TABLE m_middle (id int PRIMARY KEY, parent_id int, FOREIGN KEY (parent_id) REFERENCES z_parent (id))`,
    );
    await sql(`CREATE TABLE a_child (id int PRIMARY KEY, middle_id int NOT NULL, parent_id int,
                 CONSTRAINT child_middle FOREIGN KEY (middle_id) REFERENCES m_middle (id),
                 FOREIGN KEY (parent_id) REFERENCES z_parent (id))`);
    for (let i = 1; i <= 6; i++) await sql('INSERT INTO z_parent VALUES (?, ?)', [i, `p'"${i}`]);
    for (let i = 1; i <= 5; i++) await sql('INSERT INTO m_middle VALUES (?, ?)', [i, i]);
    for (let i = 1; i <= 9; i++) await sql('INSERT INTO a_child VALUES (?, ?, ?)', [i, (i % 5) + 1, null]);
    const batches = recordBatches(
      await read(suite.config({ tables: ['a_child', 'm_*', 'z_parent'] } as unknown as Partial<C>)),
    );
    expect([...new Set(batches.map((batch) => batch.stream))]).toEqual(['z_parent', 'm_middle', 'a_child']);
    expect(batches.filter((b) => b.stream === 'z_parent').flatMap((b) => b.records)).toEqual(
      Array.from({ length: 6 }, (_, i) => ({ id: i + 1, name: `p'"${i + 1}` })),
    );
    expect(batches.filter((b) => b.stream === 'a_child').flatMap((b) => b.records)).toHaveLength(9);
    const child = batches.find((b) => b.stream === 'a_child')!;
    expect(child.shape?.primaryKey).toEqual(['id']);
    expect(
      child.shape?.foreignKeys?.map(({ name, ...fk }) => fk).sort((a, b) => a.columns[0]!.localeCompare(b.columns[0]!)),
    ).toEqual([
      {
        columns: ['middle_id'],
        referencedStream: 'm_middle',
        referencedColumns: ['id'],
        onDelete: expect.any(String),
        onUpdate: expect.any(String),
      },
      {
        columns: ['parent_id'],
        referencedStream: 'z_parent',
        referencedColumns: ['id'],
        onDelete: expect.any(String),
        onUpdate: expect.any(String),
      },
    ]);
    expect(child.shape?.foreignKeys?.find((fk) => fk.columns[0] === 'middle_id')?.name).toBe('child_middle');
    expect(child.schema?.find((column) => column.name === 'middle_id')).toEqual({
      name: 'middle_id',
      type: 'INTEGER',
      notNull: true,
    });
  });

  it('breaks a foreign-key cycle at one key, with a warning, and still reads every row', async () => {
    await sql('CREATE TABLE cyc_one (id int PRIMARY KEY, two_id int)');
    await sql('CREATE TABLE cyc_two (id int PRIMARY KEY, one_id int, FOREIGN KEY (one_id) REFERENCES cyc_one (id))');
    await sql('ALTER TABLE cyc_one ADD CONSTRAINT one_two FOREIGN KEY (two_id) REFERENCES cyc_two (id)');
    await sql('INSERT INTO cyc_one VALUES (1, NULL)');
    await sql('INSERT INTO cyc_two VALUES (1, 1)');
    const warnings: Rec[] = [];
    const batches = recordBatches(
      await read(suite.config({ tables: ['cyc_*'] } as unknown as Partial<C>), {
        log: { info: () => undefined, error: () => undefined, warn: (_m, fields) => warnings.push(fields ?? {}) },
      }),
    );
    expect(batches.map((b) => [b.stream, b.records.length])).toEqual([
      ['cyc_one', 1],
      ['cyc_two', 1],
    ]);
    expect(warnings).toEqual([{ table: 'cyc_one', references: 'cyc_two', foreignKey: 'one_two' }]);
  });

  it('resumes exactly after any batch: several tables, a composite key with text, no key, a query with a key', async () => {
    await sql('CREATE TABLE pairs (region varchar(20), n int, note varchar(40), PRIMARY KEY (region, n))');
    const regions = ['north', 'Nørd "q"', "o'clock", 'zz'];
    for (let i = 0; i < 14; i++) {
      await sql('INSERT INTO pairs VALUES (?, ?, ?)', [regions[i % 4], -i * 7, i % 3 ? `note\n${i}` : null]);
    }
    await sql('CREATE TABLE heap (v varchar(10), w int)');
    for (let i = 0; i < 11; i++) await sql('INSERT INTO heap VALUES (?, ?)', [`h${i}`, i]);
    const pairs = await expectExactResume(suite.config({ tables: ['pairs', 'heap'] } as unknown as Partial<C>));
    expect(pairs).toHaveLength(25);
    expect(new Set(pairs.map((row) => JSON.stringify(row))).size).toBe(25);
    await expectExactResume(suite.config({ table: 'heap' } as unknown as Partial<C>));
    const fromQuery = await expectExactResume(
      suite.config({ query: 'SELECT region, n FROM pairs WHERE n < 0', key: ['region', 'n'] } as unknown as Partial<C>),
    );
    expect(fromQuery).toHaveLength(13);
  });

  it('ends batches at batchSize and at every multiple of alignRows, per stream', async () => {
    await sql('CREATE TABLE aligned (id int PRIMARY KEY)');
    for (let i = 1; i <= 17; i++) await sql('INSERT INTO aligned VALUES (?)', [i]);
    const batches = recordBatches(
      await read(suite.config({ table: 'aligned' } as unknown as Partial<C>), { batchSize: 5, alignRows: 7 }),
    );
    expect(batches.map((b) => b.records.length)).toEqual([5, 2, 5, 2, 3]);
    expect(batches.flatMap((b) => b.records.map((r) => r.id))).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
  });

  it('stops a cancelled read with CancelledError', async () => {
    await sql('CREATE TABLE cancelled (id int PRIMARY KEY)');
    for (let i = 1; i <= 12; i++) await sql('INSERT INTO cancelled VALUES (?)', [i]);
    const controller = new AbortController();
    const reading = type
      .read(
        suite.config({ table: 'cancelled' } as unknown as Partial<C>),
        testContext(await temporaryDirectory(), { batchSize: 4, signal: controller.signal }),
      )
      [Symbol.asyncIterator]();
    expect((await reading.next()).done).toBe(false);
    controller.abort();
    await expect(reading.next()).rejects.toBeInstanceOf(CancelledError);
  });

  it('refuses a missing table, an unknown key column and an empty selection with typed errors', async () => {
    const dir = await temporaryDirectory();
    await expect(
      type.check!(suite.config({ table: 'no_such_table' } as unknown as Partial<C>), testContext(dir)),
    ).rejects.toThrow(/no_such_table/);
    await expect(
      type.check!(suite.config({ tables: ['nothing_*'] } as unknown as Partial<C>), testContext(dir)),
    ).rejects.toBeInstanceOf(ConfigError);
    await sql('CREATE TABLE keyed (id int PRIMARY KEY)');
    await expect(read(suite.config({ table: 'keyed', key: 'nope' } as unknown as Partial<C>))).rejects.toThrow(
      /"nope" is not among/,
    );
  });

  incrementalChecks(suite, read);
}

function incrementalChecks<C>(
  suite: SqlSourceSuite<C>,
  read: (config: C, overrides?: Parameters<typeof testContext>[1]) => Promise<SourceBatch[]>,
) {
  const { sql } = suite;
  const at = (second: number) => `2024-05-01 10:00:${String(second).padStart(2, '0')}.000000`;

  it('reads incrementally by (cursor, key): rows sharing a cursor value are neither skipped nor repeated', async () => {
    await sql(`CREATE TABLE events (id int PRIMARY KEY, updated_at ${suite.timestampType} NOT NULL, v varchar(10))`);
    // Five rows share one cursor value, so pages of 2 cut through them.
    const rows: [number, number][] = [
      [1, 1],
      [2, 5],
      [3, 5],
      [4, 5],
      [5, 5],
      [6, 5],
      [7, 3],
    ];
    for (const [id, second] of rows) await sql('INSERT INTO events VALUES (?, ?, ?)', [id, at(second), `v${id}`]);
    const config = suite.config({ table: 'events', incremental: { cursor: 'updated_at' } } as unknown as Partial<C>);
    const first = await read(config, { batchSize: 2 });
    expect(recordsOf(first).map((r) => r.id)).toEqual([1, 7, 2, 3, 4, 5, 6]);
    const lastRunCursor = JSON.parse(JSON.stringify(first.at(-1)!.cursor));

    // Later: two rows at the same last cursor value with higher keys, one update, nothing else.
    await sql('INSERT INTO events VALUES (?, ?, ?), (?, ?, ?)', [8, at(5), 'v8', 0, at(5), 'v0']);
    await sql('UPDATE events SET updated_at = ?, v = ? WHERE id = ?', [at(9), 'changed', 1]);
    const second = await read(config, { batchSize: 2, lastRunCursor });
    // id 0 sorts before the last key read (6) at the shared value: a row committed late, found only with a lookback.
    expect(recordsOf(second).map((r) => [r.id, r.v])).toEqual([
      [8, 'v8'],
      [1, 'changed'],
    ]);
    const third = await read(config, { batchSize: 2, lastRunCursor: second.at(-1)!.cursor });
    expect(recordsOf(third)).toEqual([]);
    // The run that found nothing still hands on where the next one starts.
    const since = (batches: SourceBatch[]) => (batches.at(-1)?.cursor as { since?: unknown } | undefined)?.since;
    expect(since(third)).toEqual(since(second));
  });

  it('re-reads a lookback window: a late-committed row is found, unchanged rows are not repeated, resumes exactly', async () => {
    await sql(`CREATE TABLE late (id int PRIMARY KEY, updated_at ${suite.timestampType} NOT NULL)`);
    for (let id = 1; id <= 9; id++) await sql('INSERT INTO late VALUES (?, ?)', [id * 10, at(id * 5)]);
    const config = suite.config({
      table: 'late',
      incremental: { cursor: 'updated_at', key: 'id', lookback: 30 },
    } as unknown as Partial<C>);
    const first = await read(config, { batchSize: 3 });
    expect(recordsOf(first).map((r) => r.id)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    // Committed after the first run, with cursor values before where it ended (45 s): one within 30 s, one beyond
    // (a lookback shorter than a commit's delay cannot find it: that is what the setting is for).
    await sql('INSERT INTO late VALUES (?, ?), (?, ?), (?, ?)', [15, at(10), 35, at(44), 99, at(50)]);
    await sql('UPDATE late SET updated_at = ? WHERE id = ?', [at(42), 80]);
    const lastRunCursor = JSON.parse(JSON.stringify(first.at(-1)!.cursor));
    const second = await read(config, { batchSize: 3, lastRunCursor });
    expect(recordsOf(second).map((r) => r.id)).toEqual([80, 35, 99]);
    const again = await read(config, { batchSize: 3, lastRunCursor: second.at(-1)!.cursor });
    expect(recordsOf(again)).toEqual([]);
    // Killed after any batch of the second run and resumed: the same rows, once each.
    for (let killedAfter = 1; killedAfter < second.length; killedAfter++) {
      const rest = await read(config, {
        batchSize: 3,
        lastRunCursor,
        resumeCursor: JSON.parse(JSON.stringify(second[killedAfter - 1]!.cursor)),
      });
      expect([...recordsOf(second.slice(0, killedAfter)), ...recordsOf(rest)].map((r) => r.id)).toEqual([80, 35, 99]);
    }
  });
}
