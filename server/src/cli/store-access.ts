import path from 'node:path';
import type { ResolvedConnection } from '../flow/validate.ts';
import { catalog } from '../nodes/registry.ts';
import { Redactor } from '../secrets/redactor.ts';
import { loadSecretKey, SecretBox } from '../secrets/secret-box.ts';
import { ConnectionService } from '../service/connections.ts';
import { findServer } from '../store/server-file.ts';
import { StateStore, StoreLockedError } from '../store/state-store.ts';
import { ServerClient } from './server-client.ts';

/** A command line the CLI cannot act on (exit 2). */
export class UsageError extends Error {}

export function dataDir(): string {
  return path.resolve(process.env.BACKFLOW_DATA_DIR ?? '.backflow');
}

/**
 * Opens the state store, or, when a running server holds it (DuckDB allows one process per file),
 * a client of that server, so the command is handed to it instead of failing on the lock.
 */
export async function openStoreOrServer(): Promise<StateStore | ServerClient> {
  try {
    return await StateStore.open(dataDir());
  } catch (error) {
    const url = error instanceof StoreLockedError ? await findServer(dataDir()) : undefined;
    if (!url) throw error;
    return new ServerClient(url);
  }
}

/** Runs a command against the store (always closed after) or the server holding it. */
export async function withStore<T>(
  local: (store: StateStore) => Promise<T>,
  remote: (client: ServerClient) => Promise<T>,
): Promise<T> {
  const store = await openStoreOrServer();
  if (store instanceof ServerClient) return remote(store);
  try {
    return await local(store);
  } finally {
    await store.close();
  }
}

/** Keeps every secret the command learns out of the store's logs and run errors. */
export function redactingStore(store: StateStore): Redactor {
  const redactor = new Redactor();
  store.redact = (text) => redactor.redact(text);
  return redactor;
}

/** The connection service of a local store (the CLI's, when no server holds the data directory). */
export async function connectionService(
  store: StateStore,
  redactor = redactingStore(store),
): Promise<ConnectionService> {
  const box = new SecretBox(await loadSecretKey(dataDir()));
  return new ConnectionService({ store, catalog, box, redactor, baseDir: process.cwd() });
}

/** Stored connections, secrets opened, for flows that name one. */
export async function storedConnections(
  store: StateStore,
  redactor: Redactor,
): Promise<Map<string, ResolvedConnection>> {
  return (await connectionService(store, redactor)).resolved();
}
