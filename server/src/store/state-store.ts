import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { RunRecorder, SourceCheckpoint } from '../engine/checkpoint.ts';
import { BackflowError } from '../errors.ts';
import type { FlowFingerprint } from '../flow/fingerprint.ts';
import type { RejectedRecord } from '../node-kit/contract.ts';
import { CheckpointRepository } from './checkpoint-repository.ts';
import { ConnectionRepository } from './connection-repository.ts';
import { FlowRepository } from './flow-repository.ts';
import { IdMapRepository } from './id-map-repository.ts';
import { type LogLevel, LogRepository } from './log-repository.ts';
import { migrate } from './migrate.ts';
import { PublicationRepository } from './publication-repository.ts';
import { RejectedRecordRepository, type RejectedRow } from './rejected-record-repository.ts';
import { type NewRun, RunRepository, type RunRow, type RunStatus } from './run-repository.ts';
import { StoreDatabase } from './store-database.ts';
import { SyncSnapshotRepository } from './sync-snapshot-repository.ts';

// The engine imports these from here.
export { type RunRow, type RunStatus, resumableStatuses } from './run-repository.ts';

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
 * The state store: one embedded DuckDB file (DESIGN.md §6), migrated to the latest schema on open,
 * and one repository per job sharing its one connection. DuckDB allows one writing process per file,
 * and the shared `StoreDatabase` serialises every statement so transactions never interleave.
 *
 * The methods below the repositories are the engine's view of the store (its `RunRecorder` and the
 * run lifecycle `runFlow` drives); each hands over to a repository. Everything else uses the
 * repositories.
 */
export class StateStore implements RunRecorder {
  readonly runs: RunRepository;
  readonly checkpoints: CheckpointRepository;
  readonly logs: LogRepository;
  readonly rejectedRecords: RejectedRecordRepository;
  readonly publications: PublicationRepository;
  readonly idMaps: IdMapRepository;
  readonly syncSnapshots: SyncSnapshotRepository;
  readonly flows: FlowRepository;
  readonly connections: ConnectionRepository;
  /** Applied to every log line and run error before it is stored (secret values → `[redacted]`). */
  redact: (text: string) => string = (text) => text;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly db: StoreDatabase,
  ) {
    const redact = (text: string) => this.redact(text);
    this.runs = new RunRepository(db, redact);
    this.checkpoints = new CheckpointRepository(db);
    this.logs = new LogRepository(db, redact);
    this.rejectedRecords = new RejectedRecordRepository(db);
    this.publications = new PublicationRepository(db);
    this.idMaps = new IdMapRepository(db);
    this.syncSnapshots = new SyncSnapshotRepository(db);
    this.flows = new FlowRepository(db);
    this.connections = new ConnectionRepository(db);
  }

  static async open(dataDir: string): Promise<StateStore> {
    await mkdir(dataDir, { recursive: true });
    const file = path.join(dataDir, 'state.duckdb');
    let instance: DuckDBInstance;
    // DuckDB loads when a command opens the store, not at every start of the CLI.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    try {
      // A modest limit keeps a server's memory flat as sync snapshots grow; DuckDB spills joins beyond it to disk.
      instance = await DuckDBInstance.create(file, {
        memory_limit: process.env.BACKFLOW_STORE_MEMORY_LIMIT ?? '128MB',
      });
    } catch (error) {
      if (/lock/i.test(String(error))) throw new StoreLockedError(file, error);
      throw error;
    }
    const db = new StoreDatabase(await instance.connect());
    try {
      await migrate(db);
    } catch (error) {
      db.connection.closeSync();
      instance.closeSync();
      throw error;
    }
    return new StateStore(instance, db);
  }

  close(): Promise<void> {
    return this.db.serial(async () => {
      await this.db.connection.run('checkpoint');
      this.db.connection.closeSync();
      this.instance.closeSync();
    });
  }

  createRun(run: NewRun): Promise<void> {
    return this.runs.create(run);
  }

  restartRun(runId: string, fingerprint: FlowFingerprint): Promise<void> {
    return this.runs.restart(runId, fingerprint);
  }

  finishRun(runId: string, status: RunStatus, summary: unknown, error?: RunRow['error']): Promise<void> {
    return this.runs.finish(runId, status, summary, error);
  }

  getRun(runId: string): Promise<RunRow | undefined> {
    return this.runs.get(runId);
  }

  latestUnfinishedRun(flowName: string): Promise<RunRow | undefined> {
    return this.runs.latestUnfinished(flowName);
  }

  saveCheckpoint(runId: string, checkpoint: SourceCheckpoint): Promise<void> {
    return this.checkpoints.save(runId, checkpoint);
  }

  loadCheckpoints(runId: string): Promise<SourceCheckpoint[]> {
    return this.checkpoints.load(runId);
  }

  /** Where each source of the flow ended in its last succeeded run (see CheckpointRepository.lastRunCursors). */
  lastRunCursors(
    flow: { flowId?: string; flowName: string },
    fingerprint?: FlowFingerprint,
  ): Promise<Record<string, unknown>> {
    return this.checkpoints.lastRunCursors(flow, fingerprint);
  }

  saveRejected(runId: string, nodeId: string, rejected: RejectedRecord[], seq: number): Promise<void> {
    return this.rejectedRecords.save(runId, nodeId, rejected, seq);
  }

  discardRejected(runId: string, nodeIds: string[], afterSeq: number): Promise<void> {
    return this.rejectedRecords.discard(runId, nodeIds, afterSeq);
  }

  rejected(runId: string, pageSize?: number): AsyncGenerator<RejectedRow> {
    return this.rejectedRecords.list(runId, pageSize);
  }

  markPublished(runId: string, nodeId: string): Promise<void> {
    return this.publications.add(runId, nodeId);
  }

  published(runId: string): Promise<Set<string>> {
    return this.publications.destinations(runId);
  }

  log(runId: string, level: LogLevel, message: string, nodeId?: string, fields?: Record<string, unknown>): void {
    this.logs.write(runId, level, message, nodeId, fields);
  }
}
