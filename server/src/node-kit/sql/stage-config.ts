/**
 * What the database destinations (`postgres.destination`, `mysql.destination`) share in their
 * configs: the connection fields, where each stream lands, which columns key a row, and how a
 * connection is shown without its password.
 */

import { Type } from '@sinclair/typebox';
import type { ConfigIssue } from '../contract.ts';
import { keyedModes, keyProperty, mirrorScopeProperty, modeProperty, recordOf } from '../schema.ts';
import { type ConnectionConfig, connectionProperties } from './connection.ts';

/**
 * The connection fields of a destination's config: the kit's (connection.ts), except that a URL
 * stands instead of the fields (it wins when both are given) and the host defaults to 127.0.0.1.
 */
export function destinationConnectionProperties(system: { name: string; defaultPort: number; urlExample: string }) {
  return {
    ...connectionProperties(system),
    url: Type.Optional(
      Type.String({
        minLength: 1,
        writeOnly: true,
        title: 'URL',
        description: `${system.name} connection URL, e.g. ${system.urlExample}; may be \${env:NAME}. Instead of host, port, user, password and database.`,
      }),
    ),
    host: Type.Optional(Type.String({ minLength: 1, title: 'Host', default: '127.0.0.1' })),
  };
}

/** Where a driver connects when the config gives fields, not a URL. */
export function connectionParts(config: ConnectionConfig, defaultPort: number) {
  return {
    host: config.host ?? '127.0.0.1',
    port: config.port ?? defaultPort,
    ...(config.user === undefined ? {} : { user: config.user }),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.database === undefined ? {} : { database: config.database }),
  };
}

export const destinationModes = ['insert', 'update', 'upsert', 'mirror', 'replace'] as const;
export type DatabaseWriteMode = (typeof destinationModes)[number];

/** Modes that write the newest staged row of a key over the target's row with that key (mirror deletes too). */
export function upsertsByKey(mode: DatabaseWriteMode): boolean {
  return mode === 'upsert' || mode === 'mirror';
}

/** Where streams land and how: the fields both database destinations take besides the connection. */
export function targetProperties() {
  return {
    table: Type.Optional(
      Type.String({
        minLength: 1,
        title: 'Table',
        description: 'The table every stream is written to (one stream). Created from the records if missing.',
      }),
    ),
    tables: Type.Optional(
      recordOf(Type.String({ minLength: 1 }), {
        title: 'Tables',
        description:
          'Stream → table. A stream not listed is written to the table named like it (sales.orders → orders).',
      }),
    ),
    mode: Type.Optional(
      modeProperty(destinationModes, {
        default: 'insert',
        description:
          'insert appends; update changes the rows with the same key and rejects records whose key the table does not hold; upsert updates rows with the same key and inserts the others (the newest record of a key wins); mirror upserts and deletes the rows whose records vanished from the source (see mirrorScope); replace swaps the table contents for the records. Every mode applies when the run completes, all at once, deletes first.',
      }),
    ),
    key: Type.Optional(
      keyProperty({
        description:
          "Column, or columns, that identify a row for update, upsert and mirror (needed by update and mirror); default for upsert: the stream's primary key.",
      }),
    ),
    mirrorScope: mirrorScopeProperty('rows'),
    createTables: Type.Optional(
      Type.Boolean({
        default: true,
        title: 'Create tables',
        description: 'Create missing tables (with primary keys, indexes, foreign keys) from the source columns.',
      }),
    ),
  };
}

export interface TargetConfig {
  table?: string;
  tables?: Record<string, string>;
  mode?: DatabaseWriteMode;
  key?: string | string[];
  mirrorScope?: 'flow' | 'all';
  createTables?: boolean;
}

/** Issues beyond the schema: update and mirror need a key; mirrorScope all belongs to mirror. */
export function checkTargetConfig(config: TargetConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const mode = config.mode ?? 'insert';
  if ((mode === 'update' || mode === 'mirror') && configuredKey(config).length === 0) {
    issues.push({ path: 'key', message: `mode ${mode} needs a key: the column, or columns, that identify a row` });
  }
  // `flow` is the default the schema fills in, so only `all` says the user meant a mirror.
  if (config.mirrorScope === 'all' && mode !== 'mirror') {
    issues.push({ path: 'mirrorScope', message: `mirrorScope applies to mode mirror only, not ${mode}` });
  }
  return issues;
}

/** Whether the mode writes by key (update, upsert, mirror): it needs a key to go. */
export function writesByKey(mode: DatabaseWriteMode): boolean {
  return keyedModes.includes(mode);
}

/**
 * The table a stream is written to: `table` when set, else its entry in `tables`, else its own
 * name (a schema-qualified stream such as `sales.orders` goes to `orders`).
 */
export function tableOfStream(config: TargetConfig, stream: string): string {
  return config.table ?? config.tables?.[stream] ?? (stream.split('.').at(-1) as string);
}

/**
 * Where a run writes, never with a password: `<connection>, table orders`, `…, tables a, b`, or
 * `<connection><everyStream>` when each stream goes to a table named like it.
 */
export function targetLocation(
  connection: string,
  config: TargetConfig,
  showTable: (table: string) => string,
  everyStream: string,
): string {
  if (config.table !== undefined) return `${connection}, table ${showTable(config.table)}`;
  const listed = Object.values(config.tables ?? {});
  if (listed.length > 0) return `${connection}, tables ${listed.map(showTable).join(', ')}`;
  return `${connection}${everyStream}`;
}

/** `key` as a list (empty when not configured). */
export function configuredKey(config: TargetConfig): string[] {
  if (config.key === undefined) return [];
  return typeof config.key === 'string' ? [config.key] : [...config.key];
}

/** `scheme://user@host:port/database`: where a connection goes, without its password. */
export function describeConnection(config: ConnectionConfig, scheme: string, defaultPort: number): string {
  const parsed = config.url === undefined ? undefined : parseUrl(config.url);
  const user = config.user ?? (parsed?.username ? decodeURIComponent(parsed.username) : undefined);
  const host = config.host ?? (parsed?.hostname || '127.0.0.1');
  const port = config.port ?? (parsed?.port ? Number(parsed.port) : defaultPort);
  const database = config.database ?? (parsed?.pathname.slice(1) ? decodeURIComponent(parsed.pathname.slice(1)) : '');
  return `${scheme}://${user ? `${user}@` : ''}${host}:${port}/${database}`;
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
