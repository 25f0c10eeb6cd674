import { csvFormatOf, formatCsv } from './csv.ts';
import { SalesforceError } from './errors.ts';
import { type Exchange, type Route, readJsonObject, sendEmpty, sendJson, sendText } from './http.ts';
import { commonInfo, invalidJob, invalidJobState, type Job, jobNotFound, newJob, setState } from './jobs.ts';
import type { Org } from './org.ts';
import { type QueryOutcome, runSoql } from './soql/engine.ts';

interface QueryJob extends Job {
  query: string;
  outcome?: QueryOutcome;
}

/** Rows per results page when the client gives no `maxRecords`. */
const defaultPageSize = 50_000;

/** A value as Bulk API 2.0 CSV writes it: text; datetimes in UTC with milliseconds; null as empty. */
function csvValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The locator of the page starting at `offset`: opaque to clients (base64 of the offset, as Salesforce's look). */
const locatorOf = (offset: number) => Buffer.from(String(offset)).toString('base64');

function offsetOf(locator: string): number {
  const offset = Number(Buffer.from(locator, 'base64').toString('utf8'));
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new SalesforceError(400, 'INVALIDLOCATOR', `Invalid locator: ${locator}`);
  }
  return offset;
}

/**
 * Bulk API 2.0 query jobs: create with `query` (or `queryAll`), the SOQL runs at once (a snapshot),
 * the job reads JobComplete, and `results` pages the rows as CSV by `maxRecords` with the
 * `Sforce-Locator` of the next page (`null` on the last) and `Sforce-NumberOfRecords`.
 */
export function bulkQueryRoutes(org: Org): Route[] {
  const jobs = new Map<string, QueryJob>();

  const jobOf = (exchange: Exchange): QueryJob => {
    const job = jobs.get(exchange.params[0] as string);
    if (!job) throw jobNotFound();
    return job;
  };

  const info = (job: QueryJob) => ({
    ...commonInfo(job),
    jobType: 'V2Query',
    numberRecordsProcessed: job.outcome?.records.length ?? 0,
    retries: 0,
    totalProcessingTime: 0,
    isPkChunkingSupported: true,
  });

  return [
    {
      method: 'POST',
      path: /^\/jobs\/query\/?$/,
      async handle(exchange) {
        const body = await readJsonObject(exchange.req);
        const operation = String(body.operation ?? 'query');
        if (operation !== 'query' && operation !== 'queryAll') throw invalidJob(`Invalid operation: ${operation}`);
        if (typeof body.query !== 'string' || !body.query.trim()) throw invalidJob('A query is required.');
        const outcome = runSoql(body.query, org.reader, { includeDeleted: operation === 'queryAll', now: org.now() });
        if (outcome.query.countOnly || outcome.query.aggregate) {
          throw new SalesforceError(
            400,
            'API_ERROR',
            'Aggregate queries are not supported by Bulk API 2.0 query jobs.',
          );
        }
        if (outcome.query.columns.some((column) => column.field.type === 'address')) {
          throw new SalesforceError(400, 'API_ERROR', 'Compound fields are not supported by Bulk API 2.0 query jobs.');
        }
        const job: QueryJob = {
          ...newJob(org, {
            operation,
            object: outcome.query.type.name,
            createdById: exchange.session.userId,
            version: exchange.version,
            format: csvFormatOf(body),
          }),
          query: body.query,
          outcome,
        };
        jobs.set(job.id, job);
        setState(org, job, 'UploadComplete');
        const answer = info(job);
        setState(org, job, 'JobComplete');
        sendJson(exchange.res, 200, answer);
      },
    },
    {
      method: 'GET',
      path: /^\/jobs\/query\/?$/,
      async handle(exchange) {
        sendJson(exchange.res, 200, { done: true, records: [...jobs.values()].map(info), nextRecordsUrl: null });
      },
    },
    {
      method: 'GET',
      path: /^\/jobs\/query\/([^/]+)\/?$/,
      async handle(exchange) {
        sendJson(exchange.res, 200, info(jobOf(exchange)));
      },
    },
    {
      method: 'GET',
      path: /^\/jobs\/query\/([^/]+)\/results\/?$/,
      async handle(exchange) {
        const job = jobOf(exchange);
        if (job.state !== 'JobComplete' || !job.outcome)
          throw invalidJobState(`Job ${job.id} is not complete: ${job.state}`);
        const { query, records } = job.outcome;
        const locator = exchange.url.searchParams.get('locator');
        const maxRecords = Number(exchange.url.searchParams.get('maxRecords') ?? defaultPageSize);
        if (!Number.isSafeInteger(maxRecords) || maxRecords < 1) {
          throw new SalesforceError(
            400,
            'INVALIDPARAMETER',
            `Invalid maxRecords: ${exchange.url.searchParams.get('maxRecords')}`,
          );
        }
        const offset = locator ? offsetOf(locator) : 0;
        const page = records.slice(offset, offset + maxRecords);
        const next = offset + page.length;
        const rows = page.map((record) => query.columns.map((column) => csvValue(org.reader.valueAt(record, column))));
        sendText(
          exchange.res,
          200,
          formatCsv(
            query.columns.map((column) => column.name),
            rows,
            job.format,
          ),
          'text/csv',
          {
            'Sforce-Locator': next < records.length ? locatorOf(next) : 'null',
            'Sforce-NumberOfRecords': String(page.length),
          },
        );
      },
    },
    {
      method: 'PATCH',
      path: /^\/jobs\/query\/([^/]+)\/?$/,
      async handle(exchange) {
        const job = jobOf(exchange);
        const { state } = await readJsonObject(exchange.req);
        if (state !== 'Aborted') throw invalidJob(`Invalid state: ${String(state)}`);
        if (job.state === 'JobComplete' || job.state === 'Failed') {
          throw invalidJobState(`Job ${job.id} can no longer be aborted: ${job.state}`);
        }
        setState(org, job, 'Aborted');
        sendJson(exchange.res, 200, info(job));
      },
    },
    {
      method: 'DELETE',
      path: /^\/jobs\/query\/([^/]+)\/?$/,
      async handle(exchange) {
        jobs.delete(jobOf(exchange).id);
        sendEmpty(exchange.res, 204);
      },
    },
  ];
}
