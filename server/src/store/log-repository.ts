import type { StoreDatabase } from './store-database.ts';

export interface LogRow {
  runId: string;
  at: string;
  level: string;
  nodeId?: string;
  message: string;
  /** The structured values the node logged with the line (secrets blanked). */
  fields?: Record<string, unknown>;
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
  write(runId: string, level: LogLevel, message: string, nodeId?: string, fields?: Record<string, unknown>): void {
    const line: LogRow = {
      runId,
      at: new Date().toISOString(),
      level,
      message: this.redact(message),
      ...(nodeId ? { nodeId } : {}),
      ...(fields ? { fields: this.redactValues(fields) as Record<string, unknown> } : {}),
    };
    for (const listener of this.listeners) listener(line);
    void this.db.run(
      'insert into logs (run_id, logged_at, level, node_id, message, fields) values ($1, $2, $3, $4, $5, $6)',
      [runId, line.at, level, nodeId ?? null, line.message, line.fields ? JSON.stringify(line.fields) : null],
    );
  }

  /** Every string inside `value`, redacted: a secret logged under an innocent field name is caught too. */
  private redactValues(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((item) => this.redactValues(item));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.redactValues(item)]));
    }
    return value;
  }

  list(runId: string): Promise<LogRow[]> {
    return this.db.serial(async () => {
      const rows = await this.db.rows(
        'select logged_at, level, node_id, message, fields from logs where run_id = $1 order by rowid',
        [runId],
      );
      return rows.map((row) => ({
        runId,
        at: String(row.logged_at),
        level: String(row.level),
        message: String(row.message),
        ...(row.node_id == null ? {} : { nodeId: String(row.node_id) }),
        ...(row.fields == null ? {} : { fields: JSON.parse(String(row.fields)) as Record<string, unknown> }),
      }));
    });
  }
}
