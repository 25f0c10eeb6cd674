import type { CsvFormat } from './csv.ts';
import { SalesforceError } from './errors.ts';
import { recordId } from './ids.ts';
import type { Org } from './org.ts';

export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

/** What ingest and query jobs share: identity, owner, state and CSV format. */
export interface Job {
  id: string;
  operation: string;
  object: string;
  createdById: string;
  createdDate: string;
  systemModstamp: string;
  state: JobState;
  apiVersion: number;
  format: CsvFormat;
}

/** A new job's common part; job ids have the key prefix 750, as in Salesforce. */
export function newJob(
  org: Org,
  fields: { operation: string; object: string; createdById: string; version: string; format: CsvFormat },
): Job {
  const now = org.now().toISOString();
  return {
    id: recordId('750', org.store.nextSequence()),
    operation: fields.operation,
    object: fields.object,
    createdById: fields.createdById,
    createdDate: now,
    systemModstamp: now,
    state: 'Open',
    apiVersion: Number.parseFloat(fields.version),
    format: fields.format,
  };
}

/** The JSON fields every job info answer carries. */
export function commonInfo(job: Job) {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: job.createdDate.replace(/Z$/, '+0000'),
    systemModstamp: job.systemModstamp.replace(/Z$/, '+0000'),
    state: job.state,
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: job.apiVersion,
    lineEnding: job.format.lineEnding,
    columnDelimiter: job.format.columnDelimiter,
  };
}

export function setState(org: Org, job: Job, state: JobState): void {
  job.state = state;
  job.systemModstamp = org.now().toISOString();
}

export const jobNotFound = () => new SalesforceError(404, 'NOT_FOUND', 'The requested resource does not exist');

export const invalidJob = (message: string) => new SalesforceError(400, 'INVALIDJOB', message);

export const invalidJobState = (message: string) => new SalesforceError(409, 'INVALIDJOBSTATE', message);
