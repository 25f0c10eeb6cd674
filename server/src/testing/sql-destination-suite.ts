/**
 * The behaviour every database destination shares (node-kit/sql/staged-writer.ts), checked against
 * a real server: insert shows nothing before commit and appends in order, upsert lets the newest
 * staged row of a key win (into an existing table and one it creates), replace swaps the contents
 * and a run failing before commit leaves the old ones, a resumed run replays exactly, and a commit
 * repeated after a crash publishes once. Also the helpers each connector's own tests build on.
 */
import { expect, it } from 'vitest';
import type { Column, DestinationType, DestinationWriter, Rec, RecordBatch, TableShape } from '../node-kit/contract.ts';
import type { TargetConfig } from '../node-kit/sql/stage-config.ts';
import { recordItem } from './conformance/checks.ts';
import type { DestinationHarness } from './conformance/harness.ts';
import { type TestContext, temporaryDirectory, testContext } from './node-context.ts';

export interface SqlDestinationSuite<C> {
  type: DestinationType<C>;
  /** The test database: its URL, and SQL run in it returning rows. */
  db: { url: string; sql(text: string, values?: unknown[]): Promise<Record<string, unknown>[]> };
  /** How the destination names a table it wrote in its verification (`public.t`, `<database>.t`). */
  target(table: string): string;
  /** The names of the staging tables left in the database. */
  stagingTables(): Promise<string[]>;
  /** The primary key columns of a table, in order. */
  primaryKey(table: string): Promise<string[]>;
}

export const recordBatch = (stream: string, records: Rec[], schema?: Column[], shape?: TableShape): RecordBatch => ({
  kind: 'records',
  stream,
  records,
  ...(schema ? { schema } : {}),
  ...(shape ? { shape } : {}),
});

/** An `orders` stream's columns: a key, an exact decimal and a short text. */
export const orderColumns: Column[] = [
  { name: 'id', type: 'BIGINT', notNull: true },
  { name: 'amount', type: 'DECIMAL(12,2)' },
  { name: 'note', type: 'VARCHAR', maxLength: 10 },
];

/** Opens a writer on the test database with its own test context. */
export function destinationOpener<C extends { url?: string }>(type: DestinationType<C>, db: { url: string }) {
  return async (config: Omit<C, 'url'>, ctx: Partial<TestContext> = {}) => {
    const context = testContext(await temporaryDirectory(), ctx);
    const writer = await type.open({ url: db.url, ...config } as C, context);
    return { ctx: context, writer };
  };
}

export async function publish(writer: DestinationWriter): Promise<void> {
  await writer.prepare?.();
  await writer.commit?.();
}

export function sqlDestinationSuite<C extends { url?: string }>(suite: SqlDestinationSuite<C>): void {
  const { db, stagingTables } = suite;
  const opener = destinationOpener(suite.type, db);
  /** Every config here is one both destinations take: where the streams land and how. */
  const open = (config: TargetConfig, ctx?: Partial<TestContext>) => opener(config as unknown as Omit<C, 'url'>, ctx);
  const batch = recordBatch;

  it('insert: stages durably, shows nothing before commit, then appends in order', async () => {
    await db.sql(`CREATE TABLE ins_orders (id bigint PRIMARY KEY, amount numeric(12,2), note text)`);
    await db.sql(`INSERT INTO ins_orders VALUES (0, 1, 'old')`);
    const { writer } = await open({ table: 'ins_orders' });
    await writer.write(batch('orders', [{ id: '1', amount: '10.50', note: 'first' }], orderColumns), 1);
    await writer.write(
      batch(
        'orders',
        [
          { id: 2, amount: 3, note: null },
          { id: '3', amount: '0.01', note: "it's\ttab\nline \\N back\\" },
        ],
        orderColumns,
      ),
      2,
    );
    expect(await db.sql(`SELECT count(*) AS n FROM ins_orders`)).toEqual([{ n: '1' }]);
    expect(await stagingTables()).toHaveLength(1);
    await publish(writer);
    expect(await db.sql(`SELECT id, amount, note FROM ins_orders ORDER BY id`)).toEqual([
      { id: '0', amount: '1.00', note: 'old' },
      { id: '1', amount: '10.50', note: 'first' },
      { id: '2', amount: '3.00', note: null },
      { id: '3', amount: '0.01', note: "it's\ttab\nline \\N back\\" },
    ]);
    expect(await stagingTables()).toEqual([]);
    expect(writer.verification?.()).toEqual([
      expect.objectContaining({
        stream: 'orders',
        target: suite.target('ins_orders'),
        source: 3,
        loaded: 3,
        rejected: 0,
        missing: 0,
        ok: true,
      }),
    ]);
  });

  it('upsert: the newest staged row of a key wins and other target rows stay', async () => {
    await db.sql(`CREATE TABLE up_contacts (region varchar(5), id int, email text, PRIMARY KEY (region, id))`);
    await db.sql(`INSERT INTO up_contacts VALUES ('eu', 1, 'old@a'), ('eu', 2, 'keep@b'), ('us', 1, 'old@c')`);
    const schema: Column[] = [
      { name: 'region', type: 'VARCHAR' },
      { name: 'id', type: 'INTEGER' },
      { name: 'email', type: 'VARCHAR' },
    ];
    const { writer } = await open({ table: 'up_contacts', mode: 'upsert', key: ['region', 'id'] });
    await writer.write(
      batch(
        'contacts',
        [
          { region: 'eu', id: 1, email: 'first@a' },
          { region: 'eu', id: 3, email: 'new@d' },
          { region: 'eu', id: 1, email: 'second@a' },
        ],
        schema,
      ),
      1,
    );
    await writer.write(
      batch(
        'contacts',
        [
          { region: 'us', id: 1, email: 'newest@c' },
          { region: 'eu', id: 1, email: 'newest@a' },
        ],
        schema,
      ),
      2,
    );
    await publish(writer);
    const rows = await db.sql(`SELECT region, id, email FROM up_contacts ORDER BY region, id`);
    expect(rows.map((row) => ({ ...row, id: String(row.id) }))).toEqual([
      { region: 'eu', id: '1', email: 'newest@a' },
      { region: 'eu', id: '2', email: 'keep@b' },
      { region: 'eu', id: '3', email: 'new@d' },
      { region: 'us', id: '1', email: 'newest@c' },
    ]);
  });

  it('upsert into a table it creates keeps the newest row per key, makes it the primary key, and refuses to run without a key', async () => {
    const { writer } = await open({ mode: 'upsert' });
    const shape = { primaryKey: ['id'] };
    await writer.write(
      batch(
        'up_new',
        [
          { id: '1', amount: '1', note: 'a' },
          { id: '1', amount: '2', note: 'b' },
        ],
        orderColumns,
        shape,
      ),
      1,
    );
    await writer.write(
      batch(
        'up_new',
        [
          { id: '2', amount: '3', note: 'c' },
          { id: '1', amount: '4', note: 'd' },
        ],
        orderColumns,
        shape,
      ),
      2,
    );
    await publish(writer);
    expect(await db.sql(`SELECT id, amount, note FROM up_new ORDER BY id`)).toEqual([
      { id: '1', amount: '4.00', note: 'd' },
      { id: '2', amount: '3.00', note: 'c' },
    ]);
    expect(await suite.primaryKey('up_new')).toEqual(['id']);
    const keyless = await open({ mode: 'upsert' });
    await expect(keyless.writer.write(batch('up_keyless', [{ id: '1' }], orderColumns), 1)).rejects.toThrow(
      /upsert into (\w+\.)?up_keyless needs a key/,
    );
    await keyless.writer.abort?.();
  });

  it('replace: swaps the contents at commit; a run that fails before commit leaves the old table as it was', async () => {
    await db.sql(`CREATE TABLE rep_orders (id bigint PRIMARY KEY, amount numeric(12,2), note text)`);
    await db.sql(`INSERT INTO rep_orders VALUES (1, 1, 'old'), (2, 2, 'old')`);
    const failing = await open({ table: 'rep_orders', mode: 'replace' });
    await failing.writer.write(batch('orders', [{ id: 9, amount: '9', note: 'new' }], orderColumns), 1);
    await failing.writer.abort?.();
    expect(await db.sql(`SELECT id, note FROM rep_orders ORDER BY id`)).toEqual([
      { id: '1', note: 'old' },
      { id: '2', note: 'old' },
    ]);
    const prepared = await open({ table: 'rep_orders', mode: 'replace' }, { runId: 'run-2' });
    await prepared.writer.write(batch('orders', [{ id: 9, amount: '9', note: 'new' }], orderColumns), 1);
    await prepared.writer.prepare?.();
    await prepared.writer.abort?.();
    expect(await db.sql(`SELECT count(*) AS n FROM rep_orders`)).toEqual([{ n: '2' }]);

    const good = await open({ table: 'rep_orders', mode: 'replace' }, { runId: 'run-3' });
    await good.writer.write(
      batch(
        'orders',
        [
          { id: 2, amount: '5', note: 'new' },
          { id: 3, amount: '6', note: 'new' },
        ],
        orderColumns,
      ),
      1,
    );
    await publish(good.writer);
    expect(await db.sql(`SELECT id, amount, note FROM rep_orders ORDER BY id`)).toEqual([
      { id: '2', amount: '5.00', note: 'new' },
      { id: '3', amount: '6.00', note: 'new' },
    ]);
  });

  it('replace into a table it creates swaps the staging table in, with its primary key', async () => {
    const { writer } = await open({ table: 'rep_new', mode: 'replace' });
    await writer.write(batch('orders', [{ id: 1, amount: '1', note: 'x' }], orderColumns, { primaryKey: ['id'] }), 1);
    await publish(writer);
    expect(await db.sql(`SELECT id, note FROM rep_new`)).toEqual([{ id: '1', note: 'x' }]);
    expect(await suite.primaryKey('rep_new')).toEqual(['id']);
  });

  it('resumes after a crash: the batches after the checkpoint are deleted and replayed, none lands twice', async () => {
    const first = await open({ table: 'res_orders' });
    const rows = (from: number) =>
      [0, 1, 2].map((i) => ({ id: from + i, amount: `${from + i}.5`, note: `n${from + i}` }));
    const shape = { primaryKey: ['id'] };
    await first.writer.write(batch('orders', rows(0), orderColumns, shape), 1);
    const checkpoint = JSON.parse(JSON.stringify(first.writer.state?.()));
    await first.writer.write(batch('orders', rows(3), orderColumns, shape), 2);
    await first.writer.write(batch('orders', rows(6), orderColumns, shape), 3);
    await first.writer.abort?.();

    const resumed = await open({ table: 'res_orders' }, { resumeSeq: 1, resumeState: checkpoint });
    await resumed.writer.write(batch('orders', rows(3), orderColumns, shape), 2);
    await resumed.writer.write(batch('orders', rows(6), orderColumns, shape), 3);
    await resumed.writer.write(batch('orders', rows(9), orderColumns, shape), 4);
    await publish(resumed.writer);
    expect((await db.sql(`SELECT id FROM res_orders ORDER BY id`)).map((row) => row.id)).toEqual(
      Array.from({ length: 12 }, (_, id) => String(id)),
    );
    expect(resumed.writer.verification?.()[0]).toMatchObject({ source: 12, loaded: 12, ok: true });
  });

  it('verifies streams the source interleaves (a, b, a, c): each counts every batch it received', async () => {
    const config = { tables: { a: 'mixed_a', b: 'mixed_b', c: 'mixed_c' } };
    const rows = (from: number) => [0, 1].map((i) => ({ id: from + i, amount: `${from + i}`, note: `n${from + i}` }));
    const { writer } = await open(config);
    // A source may come back to a stream after another one; its verification counts both visits.
    await writer.write(batch('a', rows(0), orderColumns), 1);
    await writer.write(batch('b', rows(10), orderColumns), 2);
    await writer.write(batch('a', rows(2), orderColumns), 3);
    await writer.write(batch('c', rows(20), orderColumns), 4);
    await publish(writer);
    expect(writer.verification?.().map(({ stream, source, loaded, ok }) => ({ stream, source, loaded, ok }))).toEqual([
      { stream: 'a', source: 4, loaded: 4, ok: true },
      { stream: 'b', source: 2, loaded: 2, ok: true },
      { stream: 'c', source: 2, loaded: 2, ok: true },
    ]);
    expect(Number((await db.sql(`SELECT count(*) AS n FROM mixed_a`))[0]?.n)).toBe(4);
  });

  it('a commit repeated after a crash publishes once: from the staging tables, or nothing when they are gone', async () => {
    await db.sql(`CREATE TABLE again_existing (id bigint PRIMARY KEY, amount numeric(12,2), note text)`);
    const config = { tables: { orders: 'again_orders', existing: 'again_existing' } };
    const first = await open(config);
    await first.writer.write(batch('orders', [{ id: 1, amount: '1', note: 'a' }], orderColumns), 1);
    await first.writer.write(batch('existing', [{ id: 5, amount: '5', note: 'e' }], orderColumns), 2);
    await first.writer.prepare?.();
    const prepared = JSON.parse(JSON.stringify(first.writer.state?.()));
    await first.writer.abort?.();
    expect(await db.sql(`SELECT count(*) AS n FROM again_existing`)).toEqual([{ n: '0' }]);
    const reopened = await open(config, { resumeSeq: 2, resumeState: prepared, prepared: true });
    await reopened.writer.commit?.();
    const again = await open(config, { resumeSeq: 2, resumeState: prepared, prepared: true });
    await again.writer.commit?.();
    expect(again.ctx.warnings).toEqual([]);
    expect(await db.sql(`SELECT id, note FROM again_orders`)).toEqual([{ id: '1', note: 'a' }]);
    expect(await db.sql(`SELECT id, note FROM again_existing`)).toEqual([{ id: '5', note: 'e' }]);
    expect((await stagingTables()).filter((name) => name.includes('again'))).toEqual([]);
  });
}

/** Built in code, with the nasty cases: quotes, newlines, unicode, nulls, big numbers as text. */
const conformanceRows: Rec[] = Array.from({ length: 30 }, (_, i) => ({
  id: i + 1,
  name: [`plain ${i}`, `"quoted", ${i}`, `two\nlines\t${i} \\`, `ünïcødé ✓ ${i}`][i % 4],
  amount: i % 5 === 0 ? null : String(2n ** 62n + BigInt(i)),
}));
const conformanceSchema: Column[] = [
  { name: 'id', type: 'INTEGER', notNull: true },
  { name: 'name', type: 'VARCHAR' },
  { name: 'amount', type: 'BIGINT' },
];

/**
 * The conformance suite's destination harness for a database destination: 30 rows in 5 batches into
 * a table of their own, read back from the test database, and a batch with two rows the table refuses.
 */
export function sqlDestinationConformance<C>(options: {
  type: DestinationType<C>;
  db: SqlDestinationSuite<C>['db'];
  /** The config writing into `table` of the test database. */
  config(table: string): C;
  /** A config the server refuses, holding the harness's secret. */
  refused(): Promise<C>;
  tableExists(table: string): Promise<boolean>;
  quoteIdentifier(name: string): string;
}): DestinationHarness<C> {
  const { db } = options;
  let tableNumber = 0;
  return {
    type: options.type,
    async setUp() {
      const table = `conformance_${++tableNumber}`;
      return {
        config: options.config(table),
        payloads: [0, 1, 2, 3, 4].map((b) => ({
          kind: 'records' as const,
          stream: 'rows',
          records: conformanceRows.slice(b * 6, b * 6 + 6),
          schema: conformanceSchema,
          shape: { primaryKey: ['id'] },
        })),
        async readBack() {
          if (!(await options.tableExists(table))) return [];
          const found = await db.sql(`SELECT id, name, amount FROM ${options.quoteIdentifier(table)}`);
          return found.map((row) => recordItem({ id: Number(row.id), name: row.name, amount: row.amount }));
        },
      };
    },
    refused: options.refused,
    async refusable() {
      return {
        config: options.config(`conformance_refusable_${++tableNumber}`),
        payload: {
          kind: 'records',
          stream: 'rows',
          records: [
            { id: 1, name: 'ok', amount: '1' },
            { id: 2, name: 'bad amount', amount: 'not a number' },
            { id: null, name: 'no id', amount: '3' },
            { id: 4, name: 'ok', amount: '4' },
          ],
          schema: conformanceSchema,
        },
        refused: 2,
      };
    },
  };
}
