import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CrmStore, type StoreChange, type StoreSnapshot } from './store.ts';

/**
 * A store kept in `dir`, so the portal survives a restart: `snapshot.json` holds the portal as it
 * was when opened, and each flush appends its changes to `journal.jsonl` (one JSON change a line,
 * whole values — records, associations, owners, custom properties — so replaying a change twice is harmless). Opening replays the journal onto the
 * snapshot, writes a new snapshot through a rename and empties the journal.
 */
export async function openDiskStore(dir: string): Promise<CrmStore> {
  await mkdir(dir, { recursive: true });
  const snapshotFile = path.join(dir, 'snapshot.json');
  const journalFile = path.join(dir, 'journal.jsonl');
  const store = new CrmStore((changes) =>
    appendFile(journalFile, changes.map((change) => `${JSON.stringify(change)}\n`).join('')),
  );
  store.load(await readSnapshot(snapshotFile), await readJournal(journalFile));
  await writeFile(`${snapshotFile}.tmp`, JSON.stringify(store.snapshot()));
  await rename(`${snapshotFile}.tmp`, snapshotFile);
  await writeFile(journalFile, '');
  return store;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readSnapshot(file: string): Promise<Partial<StoreSnapshot>> {
  const text = await readText(file);
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as StoreSnapshot;
  } catch (error) {
    throw new Error(`hubspot sandbox: ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The journal's changes; a last line cut short (a write interrupted by a crash) is left out. */
async function readJournal(file: string): Promise<StoreChange[]> {
  const lines = (await readText(file))?.split('\n') ?? [];
  const changes: StoreChange[] = [];
  for (const [index, line] of lines.entries()) {
    if (line === '') continue;
    try {
      changes.push(JSON.parse(line) as StoreChange);
    } catch (error) {
      if (index === lines.length - 1) break;
      throw new Error(`hubspot sandbox: line ${index + 1} of ${file} is not valid JSON: ${(error as Error).message}`);
    }
  }
  return changes;
}
