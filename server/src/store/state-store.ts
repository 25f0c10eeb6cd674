import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { RunRecorder, SourceCheckpoint } from '../engine/checkpoint.ts';
import { BackflowError } from '../errors.ts';
import type { FlowFingerprint } from '../flow/fingerprint.ts';
import type { RejectedRecord } from '../node-kit/contract.ts';
import { ConnectionRepository, connectionTables } from './connection-repository.ts';
import { FlowRepository, flowTables } from './flow-repository.ts';
import { parseJsonColumn, type SqlValue, StoreDatabase } from './store-database.ts';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export interface RunRow {
  id: string;
  /** The saved flow the run belongs to; absent for runs of a flow file. */
  flowId?: string;
  flowName: string;
  status: RunStatus;
  dryRun: boolean;
  baseDir?: string;
  /** When the run's latest checkpoint was saved. */
  checkpointAt?: string;
  startedAt: string;
  finishedAt?: string;
  attempts: number;
  flow: unknown;
  fingerprint?: FlowFingerprint;
  summary?: unknown;
  error?: { code: string; message: string; details?: unknown[]; nodeId?: string };
}

export interface NewRun {
  id: string;
  flowId?: string;
  flowName: string;
  /** The document as given (connections by name, never secrets). */
  flow: unknown;
  dryRun: boolean;
  startedAt: string;
  /** The directory relative paths resolved against, so a resume elsewhere resolves them the same. */
  baseDir?: string;
  /** What decides the run's cursors and output, per node (see flow/fingerprint.ts); a resume must match it. */
  fingerprint?: FlowFingerprint;
}

/** What the flows list shows of a flow's latest run. */
export type LastRun = Pick<RunRow, 'id' | 'status' | 'dryRun' | 'startedAt' | 'finishedAt'>;

export interface LogRow {
  runId: string;
  at: string;
  level: string;
  nodeId?: string;
  message: string;
}

export interface RejectedRow extends RejectedRecord {
  nodeId: string;
  at: string;
}

const schemaStatements = [
  `create table if not exists runs (
     id varchar primary key, flow_name varchar not null, status varchar not null, dry_run boolean not null,
     started_at varchar not null, finished_at varchar, attempts integer not null,
     flow json not null, summary json, error json)`,
  `create table if not exists checkpoints (
     run_id varchar not null, source_id varchar not null, seq bigint not null, cursor json,
     states json not null, stats json not null, saved_at varchar not null, primary key (run_id, source_id))`,
  `create table if not exists logs (run_id varchar not null, logged_at varchar not null, level varchar not null,
     node_id varchar, message varchar not null)`,
  `create table if not exists rejected (run_id varchar not null, node_id varchar not null, rejected_at varchar not null,
     record json, reasons json not null, file varchar, line bigint)`,
  'alter table runs add column if not exists flow_id varchar',
  'alter table runs add column if not exists base_dir varchar',
  'alter table runs add column if not exists fingerprint json',
  'alter table checkpoints add column if not exists finished boolean default false',
  'alter table rejected add column if not exists seq bigint default 0',
  'alter table rejected add column if not exists raw varchar',
  `create table if not exists publications (run_id varchar not null, node_id varchar not null,
     published_at varchar not null, primary key (run_id, node_id))`,
  ...flowTables,
  ...connectionTables,
];

/** A run's columns plus when its latest checkpoint was saved (newest over its sources), in one query. */
const runColumns = 'runs.*, (select max(saved_at) from checkpoints c where c.run_id = runs.id) as checkpoint_at';

/** Statuses of an unfinished run, which a resume may continue. */
export const resumableStatuses: RunStatus[] = ['running', 'interrupted', 'failed', 'cancelled'];

export class StoreLockedError extends BackflowError {
  constructor(file: string, cause: unknown) {
    super(
      'store_locked',
      `the state store ${file} is in use by another Backflow process (a running server or run); stop it or point BACKFLOW_DATA_DIR elsewhere`,
      { cause },
    );
  }
}

/**
 * Runs, checkpoints, logs and rejected records in one embedded DuckDB file (DESIGN.md §6).
 * DuckDB allows one writing process per file, and one connection here serialises every statement
 * so transactions never interleave.
 */
export class StateStore implements RunRecorder {
  readonly flows: FlowRepository;
  readonly connections: ConnectionRepository;
  /** Applied to every log line and run error before it is stored (secret values → `[redacted]`). */
  redact: (text: string) => string = (text) => text;
  private readonly logListeners = new Set<(line: LogRow) => void>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly db: StoreDatabase,
  ) {
    this.flows = new FlowRepository(db);
    this.connections = new ConnectionRepository(db);
  }

  static async open(dataDir: string): Promise<StateStore> {
    await mkdir(dataDir, { recursive: true });
    const file = path.join(dataDir, 'state.duckdb');
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(file);
    } catch (error) {
      if (/lock/i.test(String(error))) throw new StoreLockedError(file, error);
      throw error;
    }
    const connection = await instance.connect();
    for (const statement of schemaStatements) await connection.run(statement);
    return new StateStore(instance, new StoreDatabase(connection));
  }

  close(): Promise<void> {
    return this.db.serial(async () => {
      await this.db.connection.run('checkpoint');
      this.db.connection.closeSync();
      this.instance.closeSync();
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    return this.db.serial(work);
  }

  private rows(sql: string, values: SqlValue[] = []) {
    return this.db.rows(sql, values);
  }

  private get connection() {
    return this.db.connection;
  }

  /** Receives every log line as it is written (run events stream them); returns the unsubscribe. */
  watchLogs(listener: (line: LogRow) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** Registers a run that starts now (attempt 1). */
  createRun(run: NewRun): Promise<void> {
    return this.insertRun(run, 'running', 1);
  }

  /** Registers a run waiting for a free slot (attempts 0 until it starts). */
  queueRun(run: NewRun): Promise<void> {
    return this.insertRun(run, 'queued', 0);
  }

  private insertRun(run: NewRun, status: RunStatus, attempts: number): Promise<void> {
    return this.serial(async () => {
      await this.connection.run(
        `insert into runs (id, flow_id, flow_name, status, dry_run, started_at, attempts, flow, base_dir, fingerprint)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          run.id,
          run.flowId ?? null,
          run.flowName,
          status,
          run.dryRun,
          run.startedAt,
          attempts,
          JSON.stringify(run.flow),
          run.baseDir ?? null,
          run.fingerprint ? JSON.stringify(run.fingerprint) : null,
        ],
      );
    });
  }

  /** Ends a run that will not be continued (an interrupted dry run) as `cancelled`. */
  markCancelled(runId: string): Promise<void> {
    return this.db.run(`update runs set status = 'cancelled', finished_at = $2 where id = $1`, [
      runId,
      new Date().toISOString(),
    ]);
  }

  /** Marks runs a dead process left `running` as `interrupted`; returns them. */
  markInterrupted(): Promise<RunRow[]> {
    return this.serial(async () => {
      const rows = await this.rows(`update runs set status = 'interrupted' where status = 'running' returning *`);
      return rows.map(toRun);
    });
  }

  /**
   * Marks a run as running again for another attempt (resume), or for its first (a queued run,
   * which gets its fingerprint now).
   */
  restartRun(runId: string, fingerprint: FlowFingerprint): Promise<void> {
    return this.db.run(
      `update runs set status = 'running', attempts = attempts + 1, finished_at = null, error = null,
         fingerprint = coalesce(fingerprint, $2::json) where id = $1`,
      [runId, JSON.stringify(fingerprint)],
    );
  }

  /** Records how an attempt ended; an `interrupted` run stays unfinished (no finish time). */
  finishRun(runId: string, status: RunStatus, summary: unknown, error?: RunRow['error']): Promise<void> {
    return this.serial(async () => {
      await this.connection.run(
        `update runs set status = $2, finished_at = $3, summary = $4, error = $5 where id = $1`,
        [
          runId,
          status,
          status === 'interrupted' ? null : new Date().toISOString(),
          this.redact(JSON.stringify(summary)),
          error ? this.redact(JSON.stringify(error)) : null,
        ],
      );
    });
  }

  getRun(runId: string): Promise<RunRow | undefined> {
    return this.serial(async () => {
      const [row] = await this.rows(`select ${runColumns} from runs where id = $1`, [runId]);
      return row ? toRun(row) : undefined;
    });
  }

  listRuns(
    options: { flowName?: string; flowId?: string; status?: RunStatus; limit?: number } = {},
  ): Promise<RunRow[]> {
    return this.serial(async () => {
      const rows = await this.rows(
        `select ${runColumns} from runs where ($1::varchar is null or flow_name = $1) and ($2::varchar is null or flow_id = $2)
         and ($3::varchar is null or status = $3) order by started_at desc limit $4`,
        [options.flowName ?? null, options.flowId ?? null, options.status ?? null, options.limit ?? 50],
      );
      return rows.map(toRun);
    });
  }

  /** The latest run of every saved flow that has run, by flow id: one query however many flows there are. */
  lastRuns(): Promise<Map<string, LastRun>> {
    return this.serial(async () => {
      const rows = await this.rows(
        `select distinct on (flow_id) flow_id, id, status, dry_run, started_at, finished_at
         from runs where flow_id is not null order by flow_id, started_at desc`,
      );
      return new Map(
        rows.map((row) => [
          String(row.flow_id),
          {
            id: String(row.id),
            status: row.status as RunStatus,
            dryRun: Boolean(row.dry_run),
            startedAt: String(row.started_at),
            ...(row.finished_at == null ? {} : { finishedAt: String(row.finished_at) }),
          },
        ]),
      );
    });
  }

  /** The flow's latest run, when it did not succeed (the one `--resume` continues). */
  latestUnfinishedRun(flowName: string): Promise<RunRow | undefined> {
    return this.serial(async () => {
      const [row] = await this.rows(
        'select * from runs where flow_name = $1 and not dry_run order by started_at desc limit 1',
        [flowName],
      );
      const run = row ? toRun(row) : undefined;
      return run && resumableStatuses.includes(run.status) ? run : undefined;
    });
  }

  saveCheckpoint(runId: string, checkpoint: SourceCheckpoint): Promise<void> {
    return this.serial(async () => {
      await this.connection.run(
        `insert or replace into checkpoints (run_id, source_id, seq, cursor, states, stats, saved_at, finished)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          runId,
          checkpoint.sourceId,
          checkpoint.seq,
          JSON.stringify(checkpoint.cursor ?? null),
          JSON.stringify(checkpoint.states),
          JSON.stringify(checkpoint.stats),
          checkpoint.savedAt,
          checkpoint.finished === true,
        ],
      );
    });
  }

  loadCheckpoints(runId: string): Promise<SourceCheckpoint[]> {
    return this.serial(async () => {
      const rows = await this.rows(
        `select source_id, seq, cursor::varchar as cursor, states::varchar as states, stats::varchar as stats, saved_at,
           finished from checkpoints where run_id = $1`,
        [runId],
      );
      return rows.map((row) => ({
        sourceId: String(row.source_id),
        seq: Number(row.seq),
        cursor: JSON.parse(String(row.cursor)),
        states: JSON.parse(String(row.states)),
        stats: JSON.parse(String(row.stats)),
        savedAt: String(row.saved_at),
        ...(row.finished === true ? { finished: true } : {}),
      }));
    });
  }

  saveRejected(runId: string, nodeId: string, rejected: RejectedRecord[], seq: number): Promise<void> {
    if (rejected.length === 0) return Promise.resolve();
    return this.serial(async () => {
      // One statement for the whole batch: the rows travel as one JSON array.
      await this.connection.run(
        `insert into rejected (run_id, node_id, rejected_at, record, raw, reasons, file, line, seq)
         select $1, $2, $4, r->'record', r->>'raw', r->'reasons', r->>'file', (r->>'line')::bigint, $5
         from (select unnest(from_json($3::json, '["json"]')) as r)`,
        [runId, nodeId, JSON.stringify(rejected), new Date().toISOString(), seq],
      );
    });
  }

  discardRejected(runId: string, nodeIds: string[], afterSeq: number): Promise<void> {
    if (nodeIds.length === 0) return Promise.resolve();
    return this.db.run(
      `delete from rejected where run_id = $1 and seq > $2 and list_contains(from_json($3::json, '["varchar"]'), node_id)`,
      [runId, afterSeq, JSON.stringify(nodeIds)],
    );
  }

  markPublished(runId: string, nodeId: string): Promise<void> {
    return this.db.run('insert or replace into publications (run_id, node_id, published_at) values ($1, $2, $3)', [
      runId,
      nodeId,
      new Date().toISOString(),
    ]);
  }

  /** The destinations that committed the run's data (a run that failed while publishing lists some). */
  published(runId: string): Promise<Set<string>> {
    return this.serial(async () => {
      const rows = await this.rows('select node_id from publications where run_id = $1', [runId]);
      return new Set(rows.map((row) => String(row.node_id)));
    });
  }

  /** The run's rejected records in store order, a page at a time, so any number streams in bounded memory. */
  async *rejected(runId: string, pageSize = 1000): AsyncGenerator<RejectedRow> {
    let after = -1;
    for (;;) {
      const page = await this.rejectedPage(runId, after, pageSize);
      for (const { row } of page) yield row;
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.rowid;
    }
  }

  private rejectedPage(runId: string, afterRowid: number, limit: number) {
    return this.serial(async () => {
      const rows = await this.rows(
        `select rowid, node_id, rejected_at, record::varchar as record, raw, reasons::varchar as reasons, file, line
         from rejected where run_id = $1 and rowid > $2 order by rowid limit $3`,
        [runId, afterRowid, limit],
      );
      return rows.map((row) => ({ rowid: Number(row.rowid), row: toRejected(row) }));
    });
  }

  log(runId: string, level: 'info' | 'warn' | 'error', message: string, nodeId?: string): void {
    const line: LogRow = {
      runId,
      at: new Date().toISOString(),
      level,
      message: this.redact(message),
      ...(nodeId ? { nodeId } : {}),
    };
    for (const listener of this.logListeners) listener(line);
    void this.serial(() =>
      this.connection.run('insert into logs (run_id, logged_at, level, node_id, message) values ($1, $2, $3, $4, $5)', [
        runId,
        line.at,
        level,
        nodeId ?? null,
        line.message,
      ]),
    );
  }

  listLogs(runId: string): Promise<LogRow[]> {
    return this.serial(async () => {
      const rows = await this.rows(
        'select logged_at, level, node_id, message from logs where run_id = $1 order by rowid',
        [runId],
      );
      return rows.map((row) => ({
        runId,
        at: String(row.logged_at),
        level: String(row.level),
        message: String(row.message),
        ...(row.node_id == null ? {} : { nodeId: String(row.node_id) }),
      }));
    });
  }
}

function toRejected(row: Record<string, unknown>): RejectedRow {
  return {
    nodeId: String(row.node_id),
    at: String(row.rejected_at),
    record: JSON.parse(String(row.record)),
    ...(row.raw == null ? {} : { raw: String(row.raw) }),
    reasons: JSON.parse(String(row.reasons)),
    ...(row.file == null ? {} : { file: String(row.file) }),
    ...(row.line == null ? {} : { line: Number(row.line) }),
  };
}

function toRun(row: Record<string, unknown>): RunRow {
  const parse = parseJsonColumn;
  return {
    id: String(row.id),
    ...(row.flow_id == null ? {} : { flowId: String(row.flow_id) }),
    ...(row.base_dir == null ? {} : { baseDir: String(row.base_dir) }),
    ...(row.checkpoint_at == null ? {} : { checkpointAt: String(row.checkpoint_at) }),
    flowName: String(row.flow_name),
    status: row.status as RunStatus,
    dryRun: Boolean(row.dry_run),
    startedAt: String(row.started_at),
    ...(row.finished_at == null ? {} : { finishedAt: String(row.finished_at) }),
    attempts: Number(row.attempts),
    flow: parse(row.flow),
    ...(row.fingerprint == null ? {} : { fingerprint: parse(row.fingerprint) as FlowFingerprint }),
    ...(row.summary == null ? {} : { summary: parse(row.summary) }),
    ...(row.error == null ? {} : { error: parse(row.error) as RunRow['error'] }),
  };
}
