/**
 * `mysql.source` (MySQL and MariaDB): a query, a table, or many tables (parents before children) as
 * records batches, keyset-paged in key order in one consistent snapshot, so an interrupted run
 * resumes exactly after its last checkpoint; or incrementally, the rows changed since the last
 * succeeded run.
 */
import { defineSource } from '../../node-kit/contract.ts';
import { connectionFields } from '../../node-kit/sql/connection.ts';
import { databaseSource } from '../../node-kit/sql/database-source.ts';
import { mysqlDriver } from './driver.ts';
import { mysqlSourceConfig } from './source-config.ts';

const { read, check, discover } = databaseSource(mysqlDriver);

export const mysqlSource = defineSource({
  type: 'mysql.source',
  title: 'MySQL / MariaDB source',
  description:
    'Reads a query, a table or many tables (parents before children) of MySQL or MariaDB as records, resumable by key; incremental by a cursor column.',
  config: mysqlSourceConfig,
  outputs: [{ name: 'records', kind: 'records' }],
  connectionFields,
  check,
  discover,
  read,
});
