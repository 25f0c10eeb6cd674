/** One step of the store's schema, applied once, in one transaction, in version order. */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/**
 * The store's schema as it grew, oldest first: append a migration, never edit one that shipped.
 *
 * Versions 1–5 predate `schema_migrations`. Before it, every open ran all of their statements, so
 * a store from then already holds some or all of their tables and columns; they guard with
 * `if not exists` and so adopt such a store without touching its rows. From version 6 on a
 * migration runs exactly once and needs no guard.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'runs, checkpoints, logs and rejected records',
    statements: [
      `create table if not exists runs (
         id varchar primary key, flow_name varchar not null, status varchar not null, dry_run boolean not null,
         started_at varchar not null, finished_at varchar, attempts integer not null,
         flow json not null, summary json, error json)`,
      `create table if not exists checkpoints (
         run_id varchar not null, source_id varchar not null, seq bigint not null, cursor json,
         states json not null, stats json not null, saved_at varchar not null, primary key (run_id, source_id))`,
      `create table if not exists logs (run_id varchar not null, logged_at varchar not null, level varchar not null,
         node_id varchar, message varchar not null)`,
      `create table if not exists rejected (run_id varchar not null, node_id varchar not null, rejected_at varchar not null,
         record json, reasons json not null, file varchar, line bigint)`,
    ],
  },
  {
    version: 2,
    name: 'saved flows with their versions, connections, and runs of a saved flow',
    statements: [
      'alter table runs add column if not exists flow_id varchar',
      `create table if not exists flows (id varchar primary key, name varchar not null, document json not null,
         version integer not null, created_at varchar not null, updated_at varchar not null, last_fired_at varchar)`,
      `create table if not exists flow_versions (flow_id varchar not null, version integer not null, document json not null,
         saved_at varchar not null, primary key (flow_id, version))`,
      `create table if not exists connections (id varchar primary key, name varchar not null, type varchar not null,
         config json not null, secrets json not null, created_at varchar not null, updated_at varchar not null)`,
    ],
  },
  {
    version: 3,
    name: 'runs remember the directory their paths resolve against',
    statements: ['alter table runs add column if not exists base_dir varchar'],
  },
  {
    version: 4,
    name: 'all-or-nothing publishing: run fingerprints, finished sources, rejects by batch, publications',
    statements: [
      'alter table runs add column if not exists fingerprint json',
      'alter table checkpoints add column if not exists finished boolean default false',
      'alter table rejected add column if not exists seq bigint default 0',
      `create table if not exists publications (run_id varchar not null, node_id varchar not null,
         published_at varchar not null, primary key (run_id, node_id))`,
    ],
  },
  {
    version: 5,
    name: 'rejected records keep the raw text of lines that did not parse',
    statements: ['alter table rejected add column if not exists raw varchar'],
  },
  {
    version: 6,
    name: 'log lines keep the structured fields nodes log with them',
    statements: ['alter table logs add column fields json'],
  },
  {
    version: 7,
    name: 'destinations verify before publishing; a run may re-read its sources in full',
    statements: [
      'alter table checkpoints add column verification json',
      'alter table runs add column full_resync boolean',
    ],
  },
  {
    version: 8,
    name: "each flow's ID map: where its records went in a destination system, per object",
    statements: [
      `create table if not exists id_maps (flow_key varchar not null, object varchar not null,
         source_id varchar not null, destination_id varchar not null, run_id varchar not null,
         recorded_at varchar not null, primary key (flow_key, object, source_id))`,
    ],
  },
  {
    version: 9,
    name: 'diffing snapshots: per flow, destination node and stream, each key sent with the hash of its row',
    statements: [
      `create table if not exists sync_snapshots (flow_key varchar not null, node_id varchar not null,
         stream varchar not null, key varchar not null, row_hash ubigint not null, run_id varchar not null,
         primary key (flow_key, node_id, stream, key))`,
      `create table if not exists sync_seen (run_id varchar not null, node_id varchar not null,
         stream varchar not null, key varchar not null, primary key (run_id, node_id, stream, key))`,
      `create table if not exists sync_staged (run_id varchar not null, node_id varchar not null,
         stream varchar not null, key varchar not null, row_hash ubigint not null, seq bigint not null)`,
    ],
  },
  {
    version: 10,
    name: 'diffing snapshots join on 64-bit hashes of scope and key, without an index; a mirror notes seen keys and stages deletes',
    statements: [
      // Snapshots of version 9 are dropped: the next sync of such a destination sends every row once.
      'drop table if exists sync_snapshots',
      'drop table if exists sync_seen',
      'drop table if exists sync_staged',
      `create table sync_streams (scope ubigint primary key, flow_key varchar not null, node_id varchar not null,
         stream varchar not null)`,
      'create table sync_snapshots (scope ubigint not null, key_hash ubigint not null, row_hash ubigint not null, key varchar not null)',
      'create table sync_seen (scope ubigint not null, run_id varchar not null, key_hash ubigint not null)',
      // Rows (and deletes) a run sent, merged into the snapshot in one join: staged ones when the run
      // publishes, landed ones when the run ends (or, after a crash, when the next attempt starts).
      `create table sync_pending (scope ubigint not null, run_id varchar not null, key_hash ubigint not null,
         row_hash ubigint not null, key varchar not null, seq bigint not null, deleted boolean not null,
         landed boolean not null)`,
    ],
  },
];
