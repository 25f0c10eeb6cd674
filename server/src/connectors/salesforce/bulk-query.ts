/**
 * A Bulk API 2.0 query job: created with the SOQL, waited for, then its results read as CSV result
 * sets, each addressed by a locator (the first by none) that stays valid as long as the job exists,
 * so a read resumes at the set it was in.
 */
import { SourceError } from '../../errors.ts';
import type { NodeContext } from '../../node-kit/contract.ts';
import { HttpApiError } from '../../node-kit/http/index.ts';
import { type BulkJobInfo, defaultPolling, type PollOptions, parseCsv, waitForJob } from './bulk-jobs.ts';
import type { SalesforceSession } from './session.ts';

/** One result set: its rows (column → text, empty as null) and the locator of the next, or null after the last. */
export interface ResultSet {
  rows: Record<string, string | null>[];
  next: string | null;
}

/** Records per result set asked for: big enough for few requests, small enough to hold in memory. */
export const resultSetRecords = 10_000;

/** Creates the query job for `soql` and waits for it; a failed job is a `SourceError` with the org's reason. */
export async function runQueryJob(
  session: SalesforceSession,
  soql: string,
  stream: string,
  ctx: NodeContext,
  polling: PollOptions = defaultPolling,
): Promise<string> {
  const created = await session.request<BulkJobInfo>({
    method: 'POST',
    path: session.dataPath('/jobs/query'),
    body: { operation: 'query', query: soql },
  });
  ctx.log.info('started a Bulk API query job', { stream, job: created.id });
  const job = await waitForJob(session, 'query', created.id, ctx.signal, polling);
  if (job.state !== 'JobComplete') {
    throw new SourceError(
      `node "${ctx.nodeId}": the Bulk API query job ${job.id} for ${stream} ended ${job.state}${job.errorMessage ? `: ${job.errorMessage}` : ''}`,
      { nodeId: ctx.nodeId, stream },
    );
  }
  return job.id;
}

/** The result set at `locator` ('' for the first) of a finished query job. */
export async function readResultSet(
  session: SalesforceSession,
  job: string,
  locator: string,
  stream: string,
  ctx: NodeContext,
  maxRecords = resultSetRecords,
): Promise<ResultSet> {
  let answer: Awaited<ReturnType<SalesforceSession['requestText']>>;
  try {
    answer = await session.requestText({
      path: session.dataPath(`/jobs/query/${job}/results`),
      query: { locator: locator || undefined, maxRecords },
      headers: { accept: 'text/csv' },
    });
  } catch (error) {
    if (error instanceof HttpApiError && error.status === 404) {
      throw new SourceError(
        `node "${ctx.nodeId}": cannot resume ${stream}: its Bulk API query job ${job} is gone (jobs are deleted after 7 days); run the flow again from the start`,
        { nodeId: ctx.nodeId, stream, cause: error },
      );
    }
    throw error;
  }
  const next = answer.headers.get('sforce-locator');
  return { rows: parseCsv(answer.text), next: next && next !== 'null' ? next : null };
}
