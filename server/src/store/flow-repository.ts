import { randomBytes } from 'node:crypto';
import type { Flow } from '@backflow/flow-model';
import { BackflowError } from '../errors.ts';
import type { StoreDatabase } from './store-database.ts';
import { parseJsonColumn } from './store-database.ts';

/** A saved flow: its document (connections by name, never secrets) and its version count. */
export interface FlowRow {
  id: string;
  name: string;
  document: Flow;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface FlowVersionRow {
  version: number;
  savedAt: string;
  document: unknown;
}

export class FlowNameTakenError extends BackflowError {
  constructor(name: string) {
    super('conflict', `a flow named "${name}" already exists`, { details: [{ path: 'name', message: 'is taken' }] });
  }
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Flows and every saved version of each (a save never overwrites history). */
export class FlowRepository {
  constructor(private readonly db: StoreDatabase) {}

  list(): Promise<FlowRow[]> {
    return this.db.serial(async () => (await this.db.rows('select * from flows order by name')).map(toFlow));
  }

  get(id: string): Promise<FlowRow | undefined> {
    return this.db.serial(async () => {
      const [row] = await this.db.rows('select * from flows where id = $1', [id]);
      return row ? toFlow(row) : undefined;
    });
  }

  findByName(name: string): Promise<FlowRow | undefined> {
    return this.db.serial(async () => {
      const [row] = await this.db.rows('select * from flows where name = $1', [name]);
      return row ? toFlow(row) : undefined;
    });
  }

  create(document: FlowRow['document']): Promise<FlowRow> {
    const now = new Date().toISOString();
    const id = newId('fl');
    return this.db.transaction(async () => {
      await this.assertNameFree(document.name);
      await this.db.connection.run(
        `insert into flows (id, name, document, version, created_at, updated_at) values ($1, $2, $3, 1, $4, $4)`,
        [id, document.name, JSON.stringify(document), now],
      );
      await this.saveVersion(id, 1, document, now);
      return { id, name: document.name, document, version: 1, createdAt: now, updatedAt: now };
    });
  }

  /** Saves a new version; `undefined` when there is no such flow. */
  update(id: string, document: FlowRow['document']): Promise<FlowRow | undefined> {
    const now = new Date().toISOString();
    return this.db.transaction(async () => {
      const [row] = await this.db.rows('select * from flows where id = $1', [id]);
      if (!row) return undefined;
      const current = toFlow(row);
      if (document.name !== current.name) await this.assertNameFree(document.name);
      const version = current.version + 1;
      await this.db.connection.run(
        'update flows set name = $2, document = $3, version = $4, updated_at = $5 where id = $1',
        [id, document.name, JSON.stringify(document), version, now],
      );
      await this.saveVersion(id, version, document, now);
      return { ...current, name: document.name, document, version, updatedAt: now };
    });
  }

  delete(id: string): Promise<boolean> {
    return this.db.transaction(async () => {
      const deleted = await this.db.rows('delete from flows where id = $1 returning id', [id]);
      await this.db.connection.run('delete from flow_versions where flow_id = $1', [id]);
      return deleted.length > 0;
    });
  }

  versions(id: string): Promise<FlowVersionRow[]> {
    return this.db.serial(async () => {
      const rows = await this.db.rows(
        'select version, saved_at, document from flow_versions where flow_id = $1 order by version desc',
        [id],
      );
      return rows.map((row) => ({
        version: Number(row.version),
        savedAt: String(row.saved_at),
        document: parseJsonColumn(row.document),
      }));
    });
  }

  /** When the scheduler last fired the flow (for catch-up after downtime). */
  lastFired(id: string): Promise<Date | undefined> {
    return this.db.serial(async () => {
      const [row] = await this.db.rows('select last_fired_at from flows where id = $1', [id]);
      return row?.last_fired_at == null ? undefined : new Date(String(row.last_fired_at));
    });
  }

  markFired(id: string, at: Date): Promise<void> {
    return this.db.run('update flows set last_fired_at = $2 where id = $1', [id, at.toISOString()]);
  }

  private async assertNameFree(name: string): Promise<void> {
    const taken = await this.db.rows('select id from flows where name = $1', [name]);
    if (taken.length > 0) throw new FlowNameTakenError(name);
  }

  private async saveVersion(id: string, version: number, document: unknown, savedAt: string): Promise<void> {
    await this.db.connection.run(
      'insert into flow_versions (flow_id, version, document, saved_at) values ($1, $2, $3, $4)',
      [id, version, JSON.stringify(document), savedAt],
    );
  }
}

function toFlow(row: Record<string, unknown>): FlowRow {
  return {
    id: String(row.id),
    name: String(row.name),
    document: parseJsonColumn(row.document) as FlowRow['document'],
    version: Number(row.version),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}
