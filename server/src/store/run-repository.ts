import type { FlowFingerprint } from '../flow/fingerprint.ts';
import { parseJsonColumn, type StoreDatabase } from './store-database.ts';

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
  /** The run re-reads its sources in full, ignoring where the last succeeded run ended (kept for its resumes). */
  fullResync?: boolean;
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
  /** The directory relative paths resolve against, so a resume elsewhere resolves them the same. */
  baseDir?: string;
  /** What decides the run's cursors and output, per node (see flow/fingerprint.ts); a resume must match it. */
  fingerprint?: FlowFingerprint;
  /** Re-read every source in full instead of from where the last succeeded run ended. */
  fullResync?: boolean;
}

/** What the flows list shows of a flow's latest run. */
export type LastRun = Pick<RunRow, 'id' | 'status' | 'dryRun' | 'startedAt' | 'finishedAt'>;

/** Statuses of an unfinished run, which a resume may continue. */
export const resumableStatuses: RunStatus[] = ['running', 'interrupted', 'failed', 'cancelled'];

/** A run's columns plus when its latest checkpoint was saved (newest over its sources), in one query. */
const runColumns = 'runs.*, (select max(saved_at) from checkpoints c where c.run_id = runs.id) as checkpoint_at';

/** Runs: what started them, their status and attempts, and how each attempt ended. */
export class RunRepository {
  /** `redact` is applied to a run's summary and error before they are stored. */
  constructor(
    private readonly db: StoreDatabase,
    private readonly redact: (text: string) => string,
  ) {}

  /** Registers a run that starts now (attempt 1). */
  create(run: NewRun): Promise<void> {
    return this.insert(run, 'running', 1);
  }

  /** Registers a run waiting for a free slot (attempts 0 until it starts). */
  queue(run: NewRun): Promise<void> {
    return this.insert(run, 'queued', 0);
  }

  private insert(run: NewRun, status: RunStatus, attempts: number): Promise<void> {
    return this.db.run(
      `insert into runs (id, flow_id, flow_name, status, dry_run, started_at, attempts, flow, base_dir, fingerprint,
         full_resync) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
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
        run.fullResync === true,
      ],
    );
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
    return this.db.serial(async () => {
      const rows = await this.db.rows(`update runs set status = 'interrupted' where status = 'running' returning *`);
      return rows.map(toRun);
    });
  }

  /**
   * Marks a run as running again for another attempt (resume), or for its first (a queued run,
   * which gets its fingerprint now).
   */
  restart(runId: string, fingerprint: FlowFingerprint): Promise<void> {
    return this.db.run(
      `update runs set status = 'running', attempts = attempts + 1, finished_at = null, error = null,
         fingerprint = coalesce(fingerprint, $2::json) where id = $1`,
      [runId, JSON.stringify(fingerprint)],
    );
  }

  /** Records how an attempt ended; an `interrupted` run stays unfinished (no finish time). */
  finish(runId: string, status: RunStatus, summary: unknown, error?: RunRow['error']): Promise<void> {
    return this.db.serial(async () => {
      await this.db.connection.run(
        'update runs set status = $2, finished_at = $3, summary = $4, error = $5 where id = $1',
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

  get(runId: string): Promise<RunRow | undefined> {
    return this.db.serial(async () => {
      const [row] = await this.db.rows(`select ${runColumns} from runs where id = $1`, [runId]);
      return row ? toRun(row) : undefined;
    });
  }

  list(options: { flowName?: string; flowId?: string; status?: RunStatus; limit?: number } = {}): Promise<RunRow[]> {
    return this.db.serial(async () => {
      const rows = await this.db.rows(
        `select ${runColumns} from runs where ($1::varchar is null or flow_name = $1) and ($2::varchar is null or flow_id = $2)
         and ($3::varchar is null or status = $3) order by started_at desc limit $4`,
        [options.flowName ?? null, options.flowId ?? null, options.status ?? null, options.limit ?? 50],
      );
      return rows.map(toRun);
    });
  }

  /** The latest run of every saved flow that has run, by flow id: one query however many flows there are. */
  latestPerFlow(): Promise<Map<string, LastRun>> {
    return this.db.serial(async () => {
      const rows = await this.db.rows(
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
  latestUnfinished(flowName: string): Promise<RunRow | undefined> {
    return this.db.serial(async () => {
      const [row] = await this.db.rows(
        'select * from runs where flow_name = $1 and not dry_run order by started_at desc limit 1',
        [flowName],
      );
      const run = row ? toRun(row) : undefined;
      return run && resumableStatuses.includes(run.status) ? run : undefined;
    });
  }
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
    ...(row.full_resync === true ? { fullResync: true } : {}),
    ...(row.summary == null ? {} : { summary: parse(row.summary) }),
    ...(row.error == null ? {} : { error: parse(row.error) as RunRow['error'] }),
  };
}
