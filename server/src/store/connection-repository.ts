import { BackflowError } from '../errors.ts';
import { newId } from './flow-repository.ts';
import type { StoreDatabase } from './store-database.ts';
import { parseJsonColumn } from './store-database.ts';

/** A stored connection. `secrets` holds the sealed (encrypted) values of its writeOnly fields. */
export interface ConnectionRow {
  id: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export type ConnectionInput = Pick<ConnectionRow, 'name' | 'type' | 'config' | 'secrets'>;

export class ConnectionNameTakenError extends BackflowError {
  constructor(name: string) {
    super('conflict', `a connection named "${name}" already exists`, {
      details: [{ path: 'name', message: 'is taken' }],
    });
  }
}

export class ConnectionRepository {
  constructor(private readonly db: StoreDatabase) {}

  list(): Promise<ConnectionRow[]> {
    return this.db.serial(async () =>
      (await this.db.rows('select * from connections order by name')).map(toConnection),
    );
  }

  get(id: string): Promise<ConnectionRow | undefined> {
    return this.db.serial(async () => {
      const [row] = await this.db.rows('select * from connections where id = $1', [id]);
      return row ? toConnection(row) : undefined;
    });
  }

  findByName(name: string): Promise<ConnectionRow | undefined> {
    return this.db.serial(async () => {
      const [row] = await this.db.rows('select * from connections where name = $1', [name]);
      return row ? toConnection(row) : undefined;
    });
  }

  create(input: ConnectionInput): Promise<ConnectionRow> {
    const now = new Date().toISOString();
    const row: ConnectionRow = { id: newId('cn'), ...input, createdAt: now, updatedAt: now };
    return this.db.transaction(async () => {
      await this.assertNameFree(input.name);
      await this.db.connection.run(
        `insert into connections (id, name, type, config, secrets, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $6)`,
        [row.id, row.name, row.type, JSON.stringify(row.config), JSON.stringify(row.secrets), now],
      );
      return row;
    });
  }

  update(id: string, input: ConnectionInput): Promise<ConnectionRow | undefined> {
    const now = new Date().toISOString();
    return this.db.transaction(async () => {
      const [existing] = await this.db.rows('select * from connections where id = $1', [id]);
      if (!existing) return undefined;
      const current = toConnection(existing);
      if (input.name !== current.name) await this.assertNameFree(input.name);
      await this.db.connection.run(
        'update connections set name = $2, type = $3, config = $4, secrets = $5, updated_at = $6 where id = $1',
        [id, input.name, input.type, JSON.stringify(input.config), JSON.stringify(input.secrets), now],
      );
      return { ...current, ...input, updatedAt: now };
    });
  }

  delete(id: string): Promise<boolean> {
    return this.db.serial(async () => {
      const deleted = await this.db.rows('delete from connections where id = $1 returning id', [id]);
      return deleted.length > 0;
    });
  }

  private async assertNameFree(name: string): Promise<void> {
    const taken = await this.db.rows('select id from connections where name = $1', [name]);
    if (taken.length > 0) throw new ConnectionNameTakenError(name);
  }
}

function toConnection(row: Record<string, unknown>): ConnectionRow {
  return {
    id: String(row.id),
    name: String(row.name),
    type: String(row.type),
    config: (parseJsonColumn(row.config) ?? {}) as Record<string, unknown>,
    secrets: (parseJsonColumn(row.secrets) ?? {}) as Record<string, string>,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}
