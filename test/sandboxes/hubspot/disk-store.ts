import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ObjectType, objectTypes } from './catalog.ts';
import { CrmStore, type StorePart, type StoreSnapshot } from './store.ts';

/**
 * A store kept in `dir` as one JSON file per part (`contacts.json`, `associations.json`, …), so the
 * portal survives a restart. Each flush rewrites the changed parts through a temporary file and a
 * rename (the store runs one flush at a time), so a file is always whole.
 */
export async function openDiskStore(dir: string, uniqueProperties: Record<ObjectType, string[]>): Promise<CrmStore> {
  await mkdir(dir, { recursive: true });
  const store = new CrmStore(uniqueProperties, (current, parts) => writeParts(dir, current.snapshot(), parts));
  store.restore(await readSnapshot(dir));
  return store;
}

async function readSnapshot(dir: string): Promise<Partial<StoreSnapshot>> {
  const records = {} as StoreSnapshot['records'];
  for (const type of objectTypes) records[type] = (await readPart(dir, type)) ?? [];
  const meta = await readPart<{ nextId: number }>(dir, 'meta');
  return {
    records,
    associations: (await readPart(dir, 'associations')) ?? [],
    owners: (await readPart(dir, 'owners')) ?? [],
    ...(meta ? { nextId: meta.nextId } : {}),
  };
}

async function readPart<T>(dir: string, part: StorePart): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, `${part}.json`), 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`hubspot sandbox: cannot read ${part}.json in ${dir}: ${(error as Error).message}`);
  }
}

async function writeParts(dir: string, snapshot: StoreSnapshot, parts: Set<StorePart>): Promise<void> {
  for (const part of parts) {
    const content =
      part === 'meta'
        ? { nextId: snapshot.nextId }
        : part === 'associations' || part === 'owners'
          ? snapshot[part]
          : snapshot.records[part];
    const file = path.join(dir, `${part}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify(content));
    await rename(`${file}.tmp`, file);
  }
}
