/**
 * What Bulk API 2.0 query and ingest jobs share: waiting for a job to finish (polled with a growing
 * interval, the run's signal honoured) and the CSV the jobs speak.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type CsvRecord, createCsvParser } from '@backflow/transforms';
import { CancelledError } from '../../errors.ts';
import type { SalesforceSession } from './session.ts';

/** A job's state as `GET /jobs/<kind>/<id>` answers it (more fields are ignored). */
export interface BulkJobInfo {
  id: string;
  state: 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
  errorMessage?: string;
  numberRecordsProcessed?: number;
  numberRecordsFailed?: number;
}

export interface PollOptions {
  /** First wait between two looks at the job; each next one is 1.5 times longer, up to `maxIntervalMs`. */
  intervalMs: number;
  maxIntervalMs: number;
}

export const defaultPolling: PollOptions = { intervalMs: 250, maxIntervalMs: 5_000 };

/** The job once it is `JobComplete`, `Failed` or `Aborted`. */
export async function waitForJob(
  session: SalesforceSession,
  kind: 'query' | 'ingest',
  id: string,
  signal: AbortSignal,
  polling: PollOptions = defaultPolling,
): Promise<BulkJobInfo> {
  let interval = polling.intervalMs;
  for (;;) {
    const job = await session.request<BulkJobInfo>({ path: session.dataPath(`/jobs/${kind}/${id}`) });
    if (job.state === 'JobComplete' || job.state === 'Failed' || job.state === 'Aborted') return job;
    try {
      await sleep(interval, undefined, { signal });
    } catch {
      throw new CancelledError();
    }
    interval = Math.min(polling.maxIntervalMs, Math.round(interval * 1.5));
  }
}

/** A whole CSV answer (header line first) as rows of column → text; an empty field is null. */
export function parseCsv(text: string): CsvRecord[] {
  if (!text.trim()) return [];
  const parser = createCsvParser({ header: true, emptyAsNull: true });
  const first = parser.write(text);
  const last = parser.end();
  const errors = [...first.errors, ...last.errors];
  if (errors.length > 0) {
    const error = errors[0]!;
    throw new Error(`the Bulk API answered CSV that does not parse: line ${error.line}: ${error.message}`);
  }
  return [...first.records, ...last.records];
}
