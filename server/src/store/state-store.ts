import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { RunRecorder, SourceCheckpoint } from '../engine/checkpoint.ts';
import { BackflowError } from '../errors.ts';
import type { RejectedRecord } from '../nodes/contract.ts';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export interface RunRow {
  id: string;
  flowName: string;
  status: RunStatus;
  dryRun: boolean;
  startedAt: string;
  finishedAt?: string;
  attempts: number;
  flow: unknown;
  summary?: unknown;
  error?: { code: string; message: string; details?: unknown[]; nodeId?: string };
}

export interface LogRow {
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
];

/** The flow name → unfinished statuses a `--resume` may continue. */
const resumableStatuses: RunStatus[] = ['running', 'interrupted', 'failed', 'cancelled'];

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
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

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
    return new StateStore(instance, connection);
  }

  close(): Promise<void> {
    return this.serial(async () => {
      await this.connection.run('checkpoint');
      this.connection.closeSync();
      this.instance.closeSync();
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async rows(sql: string, values: (string | number | boolean | null)[] = []) {
    const reader = await this.connection.runAndReadAll(sql, values);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  }

  createRun(run: { id: string; flowName: string; flow: unknown; dryRun: boolean; startedAt: string }): Promise<void> {
    return this.serial(async () => {
      await this.connection.run(
        `insert into runs (id, flow_name, status, dry_run, started_at, attempts, flow) values ($1, $2, 'running', $3, $4, 1, $5)`,
        [run.id, run.flowName, run.dryRun, run.startedAt, JSON.stringify(run.flow)],
      );
    });
  }

  /** Marks a run as running again for another attempt (resume). */
  restartRun(runId: string): Promise<void> {
    return this.serial(async () => {
      await this.connection.run(
        `update runs set status = 'running', attempts = attempts + 1, finished_at = null, error = null where id = $1`,
        [runId],
      );
    });
  }

  finishRun(runId: string, status: RunStatus, summary: unknown, error?: RunRow['error']): Promise<void> {
    return this.serial(async () => {
      await this.connection.run(
        `update runs set status = $2, finished_at = $3, summary = $4, error = $5 where id = $1`,
        [runId, status, new Date().toISOString(), JSON.stringify(summary), error ? JSON.stringify(error) : null],
      );
    });
  }

  getRun(runId: string): Promise<RunRow | undefined> {
    return this.serial(async () => {
      const [row] = await this.rows('select * from runs where id = $1', [runId]);
      return row ? toRun(row) : undefined;
    });
  }

  listRuns(options: { flowName?: string; limit?: number } = {}): Promise<RunRow[]> {
    return this.serial(async () => {
      const rows = options.flowName
        ? await this.rows('select * from runs where flow_name = $1 order by started_at desc limit $2', [
            options.flowName,
            options.limit ?? 50,
          ])
        : await this.rows('select * from runs order by started_at desc limit $1', [options.limit ?? 50]);
      return rows.map(toRun);
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
        `insert or replace into checkpoints (run_id, source_id, seq, cursor, states, stats, saved_at)
         values ($1, $2, $3, $4, $5, $6, $7)`,
        [
          runId,
          checkpoint.sourceId,
          checkpoint.seq,
          JSON.stringify(checkpoint.cursor),
          JSON.stringify(checkpoint.states),
          JSON.stringify(checkpoint.stats),
          checkpoint.savedAt,
        ],
      );
    });
  }

  loadCheckpoints(runId: string): Promise<SourceCheckpoint[]> {
    return this.serial(async () => {
      const rows = await this.rows(
        'select source_id, seq, cursor::varchar as cursor, states::varchar as states, stats::varchar as stats, saved_at from checkpoints where run_id = $1',
        [runId],
      );
      return rows.map((row) => ({
        sourceId: String(row.source_id),
        seq: Number(row.seq),
        cursor: JSON.parse(String(row.cursor)),
        states: JSON.parse(String(row.states)),
        stats: JSON.parse(String(row.stats)),
        savedAt: String(row.saved_at),
      }));
    });
  }

  saveRejected(runId: string, nodeId: string, rejected: RejectedRecord[]): Promise<void> {
    if (rejected.length === 0) return Promise.resolve();
    return this.serial(async () => {
      // One statement for the whole batch: the rows travel as one JSON array.
      await this.connection.run(
        `insert into rejected (run_id, node_id, rejected_at, record, reasons, file, line)
         select $1, $2, $4, r->'record', r->'reasons', r->>'file', (r->>'line')::bigint
         from (select unnest(from_json($3::json, '["json"]')) as r)`,
        [runId, nodeId, JSON.stringify(rejected), new Date().toISOString()],
      );
    });
  }

  listRejected(runId: string, limit = 1000): Promise<RejectedRow[]> {
    return this.serial(async () => {
      const rows = await this.rows(
        `select node_id, rejected_at, record::varchar as record, reasons::varchar as reasons, file, line
         from rejected where run_id = $1 order by rowid limit $2`,
        [runId, limit],
      );
      return rows.map((row) => ({
        nodeId: String(row.node_id),
        at: String(row.rejected_at),
        record: JSON.parse(String(row.record)),
        reasons: JSON.parse(String(row.reasons)),
        ...(row.file == null ? {} : { file: String(row.file) }),
        ...(row.line == null ? {} : { line: Number(row.line) }),
      }));
    });
  }

  log(runId: string, level: 'info' | 'warn' | 'error', message: string, nodeId?: string): void {
    void this.serial(() =>
      this.connection.run('insert into logs (run_id, logged_at, level, node_id, message) values ($1, $5, $2, $3, $4)', [
        runId,
        level,
        nodeId ?? null,
        message,
        new Date().toISOString(),
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
        at: String(row.logged_at),
        level: String(row.level),
        message: String(row.message),
        ...(row.node_id == null ? {} : { nodeId: String(row.node_id) }),
      }));
    });
  }
}

function toRun(row: Record<string, unknown>): RunRow {
  const parse = (value: unknown) => (value == null ? undefined : typeof value === 'string' ? JSON.parse(value) : value);
  return {
    id: String(row.id),
    flowName: String(row.flow_name),
    status: row.status as RunStatus,
    dryRun: Boolean(row.dry_run),
    startedAt: String(row.started_at),
    ...(row.finished_at == null ? {} : { finishedAt: String(row.finished_at) }),
    attempts: Number(row.attempts),
    flow: parse(row.flow),
    ...(row.summary == null ? {} : { summary: parse(row.summary) }),
    ...(row.error == null ? {} : { error: parse(row.error) }),
  };
}
