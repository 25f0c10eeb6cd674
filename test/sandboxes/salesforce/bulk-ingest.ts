import { type CsvTable, csvFormatOf, formatCsv, parseCsv } from './csv.ts';
import { type RecordError, RecordRefused, recordError } from './errors.ts';
import { type Exchange, type Route, readJsonObject, readText, sendEmpty, sendJson, sendText } from './http.ts';
import { commonInfo, invalidJob, invalidJobState, type Job, jobNotFound, newJob, setState } from './jobs.ts';
import type { Org } from './org.ts';
import type { FieldDef, SObjectType, StoredRecord } from './schema.ts';

const operations = new Set(['insert', 'update', 'upsert', 'delete']);

interface IngestJob extends Job {
  externalIdFieldName?: string;
  data?: string;
  /** The uploaded CSV's header row, repeated in every results file. */
  header: string[];
  numberRecordsProcessed: number;
  numberRecordsFailed: number;
  errorMessage?: string;
  successful: (string | null)[][];
  failed: (string | null)[][];
  /** Rows never processed: all of them when the job failed or was aborted. */
  unprocessed: string[][];
}

/** `sf__Error` as Bulk API 2.0 writes it: `CODE:message:fields --`. */
const bulkError = (error: RecordError) => `${error.code}:${error.message}:${error.fields.join(',')} --`;

/** A CSV column: a field of the object, or a relationship by external id (`Account.External_Id__c`). */
type Column = { kind: 'field'; field: FieldDef } | { kind: 'reference'; relationship: string; key: string };

function columnsOf(type: SObjectType, header: string[]): Column[] | string {
  const columns: Column[] = [];
  for (const name of header) {
    const [first, second, ...rest] = name.split('.');
    if (second !== undefined && rest.length === 0 && first) {
      const lookup = type.relationship(first);
      if (!lookup?.relationshipName) return name;
      columns.push({ kind: 'reference', relationship: lookup.relationshipName, key: second });
      continue;
    }
    const field = type.field(name);
    if (!field) return name;
    columns.push({ kind: 'field', field });
  }
  return columns;
}

/**
 * Bulk API 2.0 ingest jobs: create (insert, update, upsert with `externalIdFieldName`, delete),
 * upload one CSV (`PUT …/batches`), close with `UploadComplete` (the sandbox processes the data
 * then: the next status read says JobComplete or Failed), and read `successfulResults`,
 * `failedResults` (with `sf__Error`) and `unprocessedrecords` as CSV. Empty cells leave a field
 * alone; `#N/A` sets it to null, as in Salesforce.
 */
export function bulkIngestRoutes(org: Org): Route[] {
  const jobs = new Map<string, IngestJob>();

  const jobOf = (exchange: Exchange): IngestJob => {
    const job = jobs.get(exchange.params[0] as string);
    if (!job) throw jobNotFound();
    return job;
  };

  const info = (job: IngestJob) => ({
    ...commonInfo(job),
    ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
    jobType: 'V2Ingest',
    contentUrl: `services/data/v${job.apiVersion.toFixed(1)}/jobs/ingest/${job.id}/batches`,
    numberRecordsProcessed: job.numberRecordsProcessed,
    numberRecordsFailed: job.numberRecordsFailed,
    retries: 0,
    totalProcessingTime: 0,
    apiActiveProcessingTime: 0,
    apexProcessingTime: 0,
    ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
  });

  function fail(job: IngestJob, message: string, table: CsvTable) {
    job.errorMessage = message;
    job.header = table.header;
    job.unprocessed = table.rows;
    setState(org, job, 'Failed');
  }

  function process(job: IngestJob, userId: string) {
    const type = org.schema.type(job.object) as SObjectType;
    if (job.data === undefined) return fail(job, 'InvalidBatch : No data uploaded', { header: [], rows: [] });
    const table = parseCsv(job.data, job.format);
    job.header = table.header;
    const columns = columnsOf(type, table.header);
    if (typeof columns === 'string') return fail(job, `InvalidBatch : Field name not found : ${columns}`, table);
    const idColumn = columns.findIndex((column) => column.kind === 'field' && column.field.name === 'Id');
    const externalId = job.externalIdFieldName ? type.field(job.externalIdFieldName) : undefined;
    const externalColumn = columns.findIndex((column) => column.kind === 'field' && column.field === externalId);
    if (job.operation === 'upsert' && externalColumn < 0) {
      return fail(job, `InvalidBatch : Field name not found : ${job.externalIdFieldName}`, table);
    }
    if ((job.operation === 'update' || job.operation === 'delete') && idColumn < 0) {
      return fail(job, 'InvalidBatch : Field name not found : Id', table);
    }
    const context = { userId, source: 'csv' as const };

    for (const row of table.rows) {
      const body: Record<string, unknown> = {};
      columns.forEach((column, index) => {
        const cell = row[index] ?? '';
        if (cell === '' || index === idColumn) return;
        const value = cell === '#N/A' ? null : cell;
        if (column.kind === 'reference') body[column.relationship] = { [column.key]: value };
        else body[column.field.name] = value;
      });
      const id = idColumn >= 0 ? (row[idColumn] ?? '') : '';
      try {
        let outcome: { record: StoredRecord; created: boolean };
        if (job.operation === 'insert') outcome = { record: org.dml.insert(type, body, context), created: true };
        else if (job.operation === 'upsert') {
          const value = row[externalColumn] ?? '';
          if (!value) throw new RecordRefused(recordError('MISSING_ARGUMENT', `${externalId?.name} not specified`));
          outcome = org.dml.upsert(type, externalId as FieldDef, value, body, context);
        } else {
          if (!id) throw new RecordRefused(recordError('MISSING_ARGUMENT', 'Id not specified in an update call'));
          const record =
            job.operation === 'update' ? org.dml.update(type, id, body, context) : org.dml.delete(type, id, context);
          outcome = { record, created: false };
        }
        job.successful.push([outcome.record.Id, String(outcome.created), ...row]);
      } catch (error) {
        if (!(error instanceof RecordRefused)) throw error;
        job.failed.push([id, bulkError(error.error), ...row]);
        job.numberRecordsFailed++;
      }
      job.numberRecordsProcessed++;
    }
    setState(org, job, 'JobComplete');
  }

  function resultCsv(job: IngestJob, kind: 'successful' | 'failed' | 'unprocessed'): string {
    if (kind === 'unprocessed') return formatCsv(job.header, job.unprocessed, job.format);
    const extra = kind === 'successful' ? ['sf__Id', 'sf__Created'] : ['sf__Id', 'sf__Error'];
    return formatCsv([...extra, ...job.header], job[kind], job.format);
  }

  const results = (kind: 'successful' | 'failed' | 'unprocessed') => async (exchange: Exchange) => {
    const job = jobOf(exchange);
    if (kind !== 'unprocessed' && job.state !== 'JobComplete' && job.state !== 'Failed') {
      throw invalidJobState(`Job ${job.id} is not complete: ${job.state}`);
    }
    sendText(exchange.res, 200, resultCsv(job, kind), 'text/csv');
  };

  return [
    {
      method: 'POST',
      path: /^\/jobs\/ingest\/?$/,
      async handle(exchange) {
        const body = await readJsonObject(exchange.req);
        const operation = String(body.operation ?? '');
        if (!operations.has(operation)) throw invalidJob(`Invalid operation: ${operation || '(none)'}`);
        const type = org.schema.type(String(body.object ?? ''));
        if (!type) throw invalidJob(`sObject type '${String(body.object)}' is not supported.`);
        let externalIdFieldName: string | undefined;
        if (operation === 'upsert') {
          const field = type.field(String(body.externalIdFieldName ?? ''));
          if (!field || !(field.externalId || field.name === 'Id')) {
            throw invalidJob(`External ID field '${String(body.externalIdFieldName)}' is not valid for ${type.name}`);
          }
          externalIdFieldName = field.name;
        }
        const job: IngestJob = {
          ...newJob(org, {
            operation,
            object: type.name,
            createdById: exchange.session.userId,
            version: exchange.version,
            format: csvFormatOf(body),
          }),
          externalIdFieldName,
          header: [],
          numberRecordsProcessed: 0,
          numberRecordsFailed: 0,
          successful: [],
          failed: [],
          unprocessed: [],
        };
        jobs.set(job.id, job);
        sendJson(exchange.res, 200, info(job));
      },
    },
    {
      method: 'GET',
      path: /^\/jobs\/ingest\/?$/,
      async handle(exchange) {
        sendJson(exchange.res, 200, { done: true, records: [...jobs.values()].map(info), nextRecordsUrl: null });
      },
    },
    {
      method: 'GET',
      path: /^\/jobs\/ingest\/([^/]+)\/?$/,
      async handle(exchange) {
        sendJson(exchange.res, 200, info(jobOf(exchange)));
      },
    },
    {
      method: 'PUT',
      path: /^\/jobs\/ingest\/([^/]+)\/batches\/?$/,
      async handle(exchange) {
        const job = jobOf(exchange);
        if (job.state !== 'Open') throw invalidJobState(`Job ${job.id} is not open for uploads: ${job.state}`);
        // Bulk API 2.0 takes one upload per job.
        if (job.data !== undefined) throw invalidJobState(`Job ${job.id} already has its data`);
        job.data = await readText(exchange.req);
        sendEmpty(exchange.res, 201);
      },
    },
    {
      method: 'PATCH',
      path: /^\/jobs\/ingest\/([^/]+)\/?$/,
      async handle(exchange) {
        const job = jobOf(exchange);
        const { state } = await readJsonObject(exchange.req);
        if (state === 'UploadComplete') {
          if (job.state !== 'Open') throw invalidJobState(`Job ${job.id} is not open: ${job.state}`);
          setState(org, job, 'UploadComplete');
          const answer = info(job);
          process(job, exchange.session.userId);
          return sendJson(exchange.res, 200, answer);
        }
        if (state === 'Aborted') {
          if (job.state !== 'Open' && job.state !== 'UploadComplete') {
            throw invalidJobState(`Job ${job.id} can no longer be aborted: ${job.state}`);
          }
          if (job.data !== undefined) {
            const table = parseCsv(job.data, job.format);
            job.header = table.header;
            job.unprocessed = table.rows;
          }
          setState(org, job, 'Aborted');
          return sendJson(exchange.res, 200, info(job));
        }
        throw invalidJob(`Invalid state: ${String(state)}`);
      },
    },
    {
      method: 'DELETE',
      path: /^\/jobs\/ingest\/([^/]+)\/?$/,
      async handle(exchange) {
        const job = jobOf(exchange);
        if (job.state === 'Open' || job.state === 'InProgress') {
          throw invalidJobState(`Job ${job.id} cannot be deleted while ${job.state}`);
        }
        jobs.delete(job.id);
        sendEmpty(exchange.res, 204);
      },
    },
    { method: 'GET', path: /^\/jobs\/ingest\/([^/]+)\/successfulResults\/?$/, handle: results('successful') },
    { method: 'GET', path: /^\/jobs\/ingest\/([^/]+)\/failedResults\/?$/, handle: results('failed') },
    { method: 'GET', path: /^\/jobs\/ingest\/([^/]+)\/unprocessedrecords\/?$/, handle: results('unprocessed') },
  ];
}
