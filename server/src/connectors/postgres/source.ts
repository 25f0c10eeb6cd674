/**
 * `postgres.source`: a query, a table, or many tables (parents before children) as records
 * batches, keyset-paged in key order in one snapshot, so an interrupted run resumes exactly after
 * its last checkpoint; or incrementally, the rows changed since the last succeeded run.
 */
import { defineSource } from '../../node-kit/contract.ts';
import { connectionFields } from '../../node-kit/sql/connection.ts';
import { databaseSource } from '../../node-kit/sql/database-source.ts';
import { postgresDriver } from './driver.ts';
import { postgresSourceConfig } from './source-config.ts';

const { read, check, discover } = databaseSource(postgresDriver);

export const postgresSource = defineSource({
  type: 'postgres.source',
  title: 'PostgreSQL source',
  description:
    'Reads a query, a table or many tables (parents before children) as records, resumable by key; incremental by a cursor column.',
  config: postgresSourceConfig,
  outputs: [{ name: 'records', kind: 'records' }],
  connectionFields,
  check,
  discover,
  read,
});
