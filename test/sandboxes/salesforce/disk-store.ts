import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Schema, StoredRecord } from './schema.ts';
import { emptyState, type SalesforceStore, tableOf } from './store.ts';

/**
 * Keeps each object's records in `<dir>/<Object>.json` (an array in Id order) and the id sequence
 * in `<dir>/org.json`, so an org survives a restart. Tables are written whole after each request
 * that changed them, through a temporary file and a rename, so a crash leaves the old or the new file.
 */
export async function createDiskStore(dir: string, schema: Schema): Promise<SalesforceStore> {
  await mkdir(dir, { recursive: true });
  const state = emptyState(schema);
  const orgFile = path.join(dir, 'org.json');
  const tableFile = (object: string) => path.join(dir, `${object}.json`);

  const org = await readJson<{ sequence: number }>(orgFile);
  if (org) state.sequence = org.sequence;
  for (const [object, table] of state.tables) {
    for (const record of (await readJson<StoredRecord[]>(tableFile(object))) ?? []) table.put(record);
  }

  const changed = new Set<string>();
  let writing = Promise.resolve();

  async function save(): Promise<void> {
    const objects = [...changed];
    changed.clear();
    for (const object of objects) {
      await writeAtomically(tableFile(object), JSON.stringify([...tableOf(state, object).records.values()]));
    }
    await writeAtomically(orgFile, JSON.stringify({ sequence: state.sequence }));
  }

  return {
    table: (object) => tableOf(state, object),
    nextSequence: () => ++state.sequence,
    touch: (object) => changed.add(object),
    flush() {
      if (changed.size === 0) return writing;
      // Saves run one after another so an older snapshot never lands after a newer one.
      writing = writing.then(save);
      return writing;
    },
    close: () => writing,
  };
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`salesforce sandbox: cannot read ${file}: ${(error as Error).message}`);
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}
