import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StateStore } from '../store/state-store.ts';

const opened: StateStore[] = [];

/** Opens the state store in `dataDir`, or in a fresh temporary directory; `closeTempStores` closes it. */
export async function openTempStore(dataDir?: string): Promise<{ store: StateStore; dataDir: string }> {
  const dir = dataDir ?? (await mkdtemp(path.join(tmpdir(), 'backflow-store-')));
  const store = await StateStore.open(dir);
  opened.push(store);
  return { store, dataDir: dir };
}

/** Closes every store `openTempStore` opened and the test has not closed (for `afterEach`). */
export async function closeTempStores(): Promise<void> {
  for (const store of opened.splice(0)) await store.close().catch(() => undefined);
}
