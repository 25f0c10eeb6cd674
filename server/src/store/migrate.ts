import { BackflowError } from '../errors.ts';
import { type Migration, migrations } from './migrations.ts';
import type { StoreDatabase } from './store-database.ts';

export class StoreTooNewError extends BackflowError {
  constructor(storeVersion: number, knownVersion: number) {
    super(
      'store_too_new',
      `the state store is at schema version ${storeVersion}, written by a newer Backflow (this one knows up to ${knownVersion}); upgrade Backflow or point BACKFLOW_DATA_DIR elsewhere`,
    );
  }
}

/**
 * Brings the store up to the latest migration: each one it lacks runs in its own transaction
 * together with its row in `schema_migrations`, so a migration is applied entirely or not at all.
 * Returns the versions applied now (none when the store was up to date).
 */
export async function migrate(db: StoreDatabase, list: readonly Migration[] = migrations): Promise<number[]> {
  await db.run(
    `create table if not exists schema_migrations (
       version integer primary key, name varchar not null, applied_at varchar not null)`,
  );
  const applied = new Set(
    (await db.serial(() => db.rows('select version from schema_migrations'))).map((row) => Number(row.version)),
  );
  const known = list.at(-1)?.version ?? 0;
  const newest = Math.max(0, ...applied);
  if (newest > known) throw new StoreTooNewError(newest, known);
  const done: number[] = [];
  for (const migration of list) {
    if (applied.has(migration.version)) continue;
    await db.transaction(async () => {
      for (const statement of migration.statements) await db.connection.run(statement);
      await db.connection.run('insert into schema_migrations (version, name, applied_at) values ($1, $2, $3)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
    });
    done.push(migration.version);
  }
  return done;
}
