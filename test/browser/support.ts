/**
 * What the browser suites share: Debian's Chromium driven by playwright-core (never a downloaded
 * browser), a fresh build of the editor, and a real server in-process on a temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { type RunningServer, type ServeOptions, serve } from '../../server/src/api/serve.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const chromiumPath = '/usr/bin/chromium';
export const screenshotDir = path.join(repoRoot, 'test-output/browser');

/**
 * Whether the browser suites can run here. Without Chromium they are skipped with a loud warning,
 * except under CI, where a missing browser is a failure (`apt-get install -y chromium`).
 */
export function browserAvailability(): { run: boolean; failure?: string } {
  if (existsSync(chromiumPath)) return { run: true };
  const message = `${chromiumPath} is missing: the browser tests of the editor need Debian's chromium (apt-get install -y chromium)`;
  if (process.env.CI === 'true') return { run: true, failure: message };
  console.warn(`\n!!! SKIPPING the editor's browser tests: ${message}\n`);
  return { run: false };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

function newestMtime(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(entry).map((name) => newestMtime(path.join(entry, name))));
}

/** Builds web/dist (`npm run build -w web`) unless it is newer than every source of the editor. */
export function ensureWebBuilt(): void {
  const built = path.join(repoRoot, 'web/dist/index.html');
  const sources = [
    'web/src',
    'flow-model/src',
    'web/index.html',
    'web/vite.config.ts',
    'web/package.json',
    'examples',
  ].map((entry) => path.join(repoRoot, entry));
  const stale = !existsSync(built) || Math.max(...sources.map(newestMtime)) > statSync(built).mtimeMs;
  if (stale) execFileSync('npm', ['run', 'build', '-w', 'web'], { cwd: repoRoot, stdio: 'pipe' });
}

/** A server on a free port with its own data and base directories (the demo warehouse is made under it). */
export async function startServer(options: Partial<ServeOptions> = {}): Promise<RunningServer & { baseDir: string }> {
  const baseDir = await mkdtemp(path.join(tmpdir(), 'backflow-browser-'));
  const server = await serve({
    port: 0,
    host: '127.0.0.1',
    dataDir: path.join(baseDir, '.backflow'),
    baseDir,
    quiet: true,
    ...options,
  });
  return { ...server, baseDir };
}

/** Saves `flow` through the API as a draft (expecting 201 Created) and gives its id. */
export async function createDraft(serverUrl: string, flow: unknown): Promise<string> {
  const created = await fetch(`${serverUrl}/api/flows?draft=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(flow),
  });
  expect(created.status).toBe(201);
  return ((await created.json()) as { id: string }).id;
}

/** A 1440×900 page of `browser` with the editor at `url`, once its canvas drew a node; page errors go to `pageErrors`. */
export async function openEditor(browser: Browser, url: string, pageErrors: string[]): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(url);
  await page.locator('.react-flow__node').first().waitFor({ timeout: 30_000 });
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
}

/** A port handle of a node on the canvas: its output (`source`) or input (`target`) named `port`. */
export function handle(page: Page, nodeId: string, side: 'source' | 'target', port: string): Locator {
  return page.locator(`.react-flow__node[data-id="${nodeId}"] .react-flow__handle.${side}[data-handleid="${port}"]`);
}

/** Draws a connection the way a person does: press on one handle, move, release on the other. */
export async function dragBetween(page: Page, from: Locator, to: Locator): Promise<void> {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error('a handle to connect is not on screen');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 15 });
  await page.mouse.up();
}

/** The server's JSON API as a test drives it: GET without a body, POST with one. `url` is read at each call. */
export function jsonApi(url: () => string) {
  return async (route: string, body?: unknown): Promise<any> => {
    const response = await fetch(`${url()}${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return response.json();
  };
}

/** Starts a run of a saved flow through the API and waits until it ended; its stored view. */
export async function runToEnd(api: ReturnType<typeof jsonApi>, flowId: string, body: unknown = {}): Promise<any> {
  const { runId } = await api(`/api/flows/${flowId}/runs`, body);
  await expect
    .poll(async () => (await api(`/api/runs/${runId}`)).status, { timeout: 60_000, interval: 100 })
    .toMatch(/^(succeeded|failed|cancelled)$/);
  return api(`/api/runs/${runId}`);
}

/** Screenshots at both widths the editor is checked at, the element `focus` selects (when given) scrolled into view at each. */
export async function screenshots(page: Page, name: string, height: number, focus?: string): Promise<void> {
  for (const width of [1440, 1024]) {
    await page.setViewportSize({ width, height });
    if (focus) await page.locator(focus).last().scrollIntoViewIfNeeded();
    await screenshot(page, `${name}-${width}`);
  }
  await page.setViewportSize({ width: 1440, height });
}

/** A DuckDB table into a DuckDB file: the two-node flow the mapping and sync tests edit. */
export function duckdbCopyFlow(
  name: string,
  source: { id: string; title: string; path: string; table: string },
  destination: { id: string; title: string; path: string; table: string },
) {
  const node = (end: typeof source, type: string, x: number) => ({
    id: end.id,
    title: end.title,
    type,
    config: { path: end.path, table: end.table },
    position: { x, y: 0 },
  });
  return {
    name,
    nodes: [node(source, 'duckdb.source', 0), node(destination, 'duckdb.destination', 520)],
    edges: [{ from: source.id, to: destination.id }],
  };
}
