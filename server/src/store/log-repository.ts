import type { StoreDatabase } from './store-database.ts';

export interface LogRow {
  runId: string;
  at: string;
  level: string;
  nodeId?: string;
  message: string;
}

export type LogLevel = 'info' | 'warn' | 'error';

/** A run's log lines, kept in the order written and handed to whoever watches as they are. */
export class LogRepository {
  private readonly listeners = new Set<(line: LogRow) => void>();

  /** `redact` is applied to every line before it is stored or handed on. */
  constructor(
    private readonly db: StoreDatabase,
    private readonly redact: (text: string) => string,
  ) {}

  /** Receives every log line as it is written (run events stream them); returns the unsubscribe. */
  watch(listener: (line: LogRow) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hands the line to the watchers at once and stores it in the connection's next turn. */
  write(runId: string, level: LogLevel, message: string, nodeId?: string): void {
    const line: LogRow = {
      runId,
      at: new Date().toISOString(),
      level,
      message: this.redact(message),
      ...(nodeId ? { nodeId } : {}),
    };
    for (const listener of this.listeners) listener(line);
    void this.db.run('insert into logs (run_id, logged_at, level, node_id, message) values ($1, $2, $3, $4, $5)', [
      runId,
      line.at,
      level,
      nodeId ?? null,
      line.message,
    ]);
  }

  list(runId: string): Promise<LogRow[]> {
    return this.db.serial(async () => {
      const rows = await this.db.rows(
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
