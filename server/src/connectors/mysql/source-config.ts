/** `mysql.source`'s config: one declaration for the JSON Schema and the TypeScript type. */
import { type Static, Type } from '@sinclair/typebox';
import { connectionProperties } from '../../node-kit/sql/connection.ts';
import { sourceChoices, sourceProperties } from '../../node-kit/sql/source-config.ts';
import { mysqlSystem } from './connection.ts';

export const mysqlSourceConfig = Type.Object(
  { ...connectionProperties(mysqlSystem), ...sourceProperties },
  { title: 'MySQL / MariaDB source', additionalProperties: false, oneOf: sourceChoices },
);
export type MysqlSourceConfig = Static<typeof mysqlSourceConfig>;
