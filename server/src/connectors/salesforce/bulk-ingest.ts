/**
 * Writing a batch through a Bulk API 2.0 ingest job: the records as CSV (a relationship reference
 * `Account: { External_Id__c }` as the column `Account.External_Id__c`, null as `#N/A` so an update
 * clears the field), uploaded, `UploadComplete`, waited for; then its successful, failed and
 * unprocessed results read back (a CSV refused whole leaves every record unprocessed). The
 * results come in no particular order but repeat each row's fields as uploaded, so each result is
 * matched to its record by those cells.
 */
import { DestinationError } from '../../errors.ts';
import type { NodeContext, Rec } from '../../node-kit/contract.ts';
import { type BulkJobInfo, defaultPolling, type PollOptions, parseCsv, waitForJob } from './bulk-jobs.ts';
import type { Refusal, Saved, SaveTarget } from './collections.ts';
import { isPlainObject } from './records.ts';
import { isRefusedForItsRecords, refusalReason } from './save-errors.ts';
import type { SalesforceSession } from './session.ts';

/** What became of a batch: the records saved (with `sf__Id` and `sf__Created`), refused (with `sf__Error`) and never processed. */
export interface IngestOutcome {
  saved: Saved[];
  refusals: Refusal[];
  /** Indexes of records the job did not process (it failed or was aborted): to be written again. */
  unprocessed: number[];
}

/** How Salesforce's Bulk API reads "set this field to null". */
const nullCell = '#N/A';

/** Runs one ingest job holding `records` and resolves once its results are in. */
export async function ingestRecords(
  session: SalesforceSession,
  target: SaveTarget,
  records: readonly Rec[],
  stream: string,
  ctx: NodeContext,
  polling: PollOptions = defaultPolling,
): Promise<IngestOutcome> {
  const rows = records.map(flatten);
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cells = rows.map((row) => columns.map((column) => (Object.hasOwn(row, column) ? row[column]! : '')));
  const created = await session.request<BulkJobInfo>({
    method: 'POST',
    path: session.dataPath('/jobs/ingest'),
    body: {
      object: target.object,
      operation: target.mode,
      ...(target.mode === 'upsert' ? { externalIdFieldName: target.externalIdField } : {}),
      contentType: 'CSV',
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
    },
  });
  const job = created.id;
  ctx.log.info('started a Bulk API ingest job', { stream, object: target.object, job, records: records.length });
  try {
    await session.request({
      method: 'PUT',
      path: session.dataPath(`/jobs/ingest/${job}/batches`),
      rawBody: csvText(columns, cells),
      headers: { 'content-type': 'text/csv' },
    });
    await session.request({
      method: 'PATCH',
      path: session.dataPath(`/jobs/ingest/${job}`),
      body: { state: 'UploadComplete' },
    });
  } catch (error) {
    // The CSV refused whole (a column the object lacks, a malformed file): no row was processed.
    if (!isRefusedForItsRecords(error)) throw error;
    ctx.log.warn('a Bulk API ingest job refused its CSV', { stream, job, reason: refusalReason(error) });
    await session
      .request({ method: 'PATCH', path: session.dataPath(`/jobs/ingest/${job}`), body: { state: 'Aborted' } })
      .catch(() => undefined); // an Open job is deleted by Salesforce after a while anyway
    return { saved: [], refusals: [], unprocessed: records.map((_, index) => index) };
  }
  const finished = await waitForJob(session, 'ingest', job, ctx.signal, polling);
  if (finished.state !== 'JobComplete') {
    ctx.log.warn('a Bulk API ingest job did not complete', {
      stream,
      job,
      state: finished.state,
      reason: finished.errorMessage,
    });
  }
  const [successful, failed, unprocessed] = await Promise.all(
    ['successfulResults', 'failedResults', 'unprocessedrecords'].map(async (kind) => {
      const answer = await session.requestText({
        path: session.dataPath(`/jobs/ingest/${job}/${kind}`),
        headers: { accept: 'text/csv' },
      });
      return parseCsv(answer.text);
    }),
  );
  const waiting = new Map<string, number[]>();
  cells.forEach((row, index) => {
    const key = JSON.stringify(row);
    waiting.set(key, [...(waiting.get(key) ?? []), index]);
  });
  const take = (row: Record<string, string | null>, kind: string): number => {
    const key = JSON.stringify(columns.map((column) => row[column] ?? ''));
    const index = waiting.get(key)?.shift();
    if (index === undefined) {
      throw new DestinationError(
        `node "${ctx.nodeId}": a row of the ${kind} of Bulk API job ${job} (${stream}) matches no record uploaded`,
        { nodeId: ctx.nodeId, stream },
      );
    }
    return index;
  };
  const saved = successful!.map((row) => ({
    index: take(row, 'successful results'),
    id: row.sf__Id ?? '',
    created: row.sf__Created === 'true',
  }));
  const refusals = failed!.map((row) => ({ index: take(row, 'failed results'), reason: row.sf__Error ?? 'failed' }));
  const notProcessed = unprocessed!.map((row) => take(row, 'unprocessed records'));
  // Rows no result mentions (a job that failed before it read them) are unprocessed too.
  for (const left of waiting.values()) notProcessed.push(...left);
  return {
    saved: saved.filter((entry) => entry.id !== '').sort((a, b) => a.index - b.index),
    refusals: refusals.sort((a, b) => a.index - b.index),
    unprocessed: notProcessed.sort((a, b) => a - b),
  };
}

/** A record as CSV cells by column: a related record's fields as `Relationship.Field`, values as text. */
function flatten(record: Rec): Record<string, string> {
  const row: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) {
    if (name === 'attributes') continue;
    if (isPlainObject(value)) {
      for (const [field, inner] of Object.entries(value)) {
        if (field !== 'attributes') row[`${name}.${field}`] = cellText(inner);
      }
    } else {
      row[name] = cellText(value);
    }
  }
  return row;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return nullCell;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** RFC 4180 CSV, every cell quoted (so empty text, quotes, commas and line breaks survive), LF line ends. */
function csvText(columns: readonly string[], rows: readonly string[][]): string {
  const line = (cells: readonly string[]) => cells.map((cell) => `"${cell.replaceAll('"', '""')}"`).join(',');
  return `${[line(columns), ...rows.map(line)].join('\n')}\n`;
}
