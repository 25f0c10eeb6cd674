import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * `server.json` in the data directory says which server holds the state store, so a CLI on the same
 * machine hands it work instead of failing on DuckDB's one-writer lock (DESIGN.md §6).
 */
const serverFileName = 'server.json';

export async function writeServerFile(dataDir: string, url: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, serverFileName);
  await writeFile(file, `${JSON.stringify({ url, pid: process.pid, startedAt: new Date().toISOString() })}\n`);
  return () => rm(file, { force: true });
}

/** The URL of the live server holding `dataDir`, if any. */
export async function findServer(dataDir: string): Promise<string | undefined> {
  const text = await readFile(path.join(dataDir, serverFileName), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const { url, pid } = JSON.parse(text) as { url: string; pid: number };
  try {
    process.kill(pid, 0);
  } catch {
    return undefined; // a server that died without removing its file
  }
  return url;
}
