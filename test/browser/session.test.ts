/**
 * The editor against a server started with BACKFLOW_TOKEN, and a page of another site against the
 * loopback API, in headless Chromium: the editor signs in once (no token kept in the browser), saves
 * and runs a flow on its session; the other site's requests change nothing.
 */
import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailability, ensureWebBuilt, launchChromium, screenshot, startServer } from './support.ts';

const availability = browserAvailability();
const eventually = <T>(read: () => T | Promise<T>, timeout = 15_000) => expect.poll(read, { timeout, interval: 100 });
const token = 'browser-session-token-7f3a';

const smallFlow = {
  name: 'customers-copy',
  nodes: [
    { id: 'customers', type: 'duckdb.source', config: { path: 'demo/warehouse.duckdb', table: 'customers' } },
    { id: 'as-json', type: 'json.format', config: {} },
    { id: 'copy', type: 'files.destination', config: { dir: 'copies/{runId}' } },
  ],
  edges: [
    { from: 'customers', to: 'as-json' },
    { from: 'as-json', to: 'copy' },
  ],
};

describe.runIf(availability.run)('the editor on a server with a token, and another site', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let page: Page;
  let attacker: Server;
  let attackerUrl = '';
  const pageErrors: string[] = [];
  const bearer = { Authorization: `Bearer ${token}` };
  const runs = async () => (await (await fetch(`${server.url}/api/runs`, { headers: bearer })).json()) as unknown[];

  beforeAll(async () => {
    if (availability.failure) throw new Error(availability.failure);
    ensureWebBuilt();
    server = await startServer({ token });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // Another site on another port: it fires every request a page may send without asking.
    attacker = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(attackPage(server.url));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://localhost:${(attacker.address() as { port: number }).port}/`;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((resolve) => attacker?.close(resolve));
  });

  it('asks for the token, refuses a wrong one, then works on a session it cannot read', async () => {
    await page.goto(server.url);
    const form = page.locator('form.token-form');
    await eventually(() => form.isVisible()).toBe(true);
    expect(await page.locator('.error-box strong').textContent()).toContain('BACKFLOW_TOKEN');
    await page.locator('form.token-form input').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await eventually(() => page.locator('form.token-form [role=alert]').textContent()).toBe('the token is wrong');
    await screenshot(page, 'session-01-wrong-token-1024');

    await page.locator('form.token-form input').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await eventually(() => page.getByTestId('flows-empty').isVisible()).toBe(true);
    await screenshot(page, 'session-02-signed-in-1024');
    // Nothing a script (or an extension, or an XSS) could take: the cookie is HttpOnly, storage is empty.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toContain(token);
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }))).not.toContain(token);
  });

  it('saves and runs a flow on the session, following the run live', async () => {
    await page.getByTestId('import-file').setInputFiles({
      name: 'customers-copy.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(smallFlow)),
    });
    await eventually(() => page.url()).toMatch(/\/flows\/fl_/);
    // After a reload the CSRF token is gone from memory: the editor gets it again from its cookie.
    await page.reload();
    await page.getByTestId('run').click();
    const status = page.locator('.run-summary [data-testid=run-status]');
    await eventually(() => status.textContent(), 45_000).toBe('succeeded');
    await screenshot(page, 'session-03-run-on-session-1024');
    expect(await runs()).toHaveLength(1);
    expect(pageErrors).toEqual([]);
  });

  it('lets another site change nothing, even with the session cookie in the same browser', async () => {
    const attackerPage = await page.context().newPage();
    await attackerPage.goto(attackerUrl);
    await eventually(() => attackerPage.locator('#done').textContent(), 30_000).toBe('done');
    const outcomes = JSON.parse((await attackerPage.locator('#outcomes').textContent()) ?? '[]') as string[];
    // Every request either never reached a readable answer or was refused; none started a run.
    expect(outcomes).toHaveLength(4);
    expect(await runs()).toHaveLength(1);
    const flows = (await (await fetch(`${server.url}/api/flows`, { headers: bearer })).json()) as { name: string }[];
    expect(flows.map((flow) => flow.name)).toEqual(['customers-copy']);
    await attackerPage.close();
  });
});

/** What a hostile page does: posts JSON as text/plain and as a form, and fetches with the user's cookies. */
function attackPage(target: string): string {
  const run = JSON.stringify({ flow: { ...smallFlow, name: 'pwned' } });
  return `<!doctype html><html><body><p id="outcomes"></p><p id="done"></p>
<iframe name="sink" style="display:none"></iframe>
<form id="form" method="POST" action="${target}/api/flows" enctype="text/plain" target="sink">
  <input name='${run.slice(0, -1)},"x":"' value='"}'>
</form>
<script>
const outcomes = [];
const attempt = async (label, init) => {
  try { const r = await fetch(${JSON.stringify(target)} + init.path, { credentials: 'include', ...init }); outcomes.push(label + ' ' + r.status); }
  catch (e) { outcomes.push(label + ' blocked'); }
};
(async () => {
  await attempt('text/plain run', { path: '/api/runs', method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(run)} });
  await attempt('json run', { path: '/api/runs', method: 'POST', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(run)} });
  await attempt('bodiless cancel', { path: '/api/runs/x/cancel', method: 'POST', mode: 'no-cors' });
  // The form's answer lands in the hidden frame: once it loaded, the server has seen the post.
  const answered = new Promise((resolve) => document.querySelector('iframe').addEventListener('load', resolve, { once: true }));
  document.getElementById('form').submit();
  await answered;
  outcomes.push('form answered');
  document.getElementById('outcomes').textContent = JSON.stringify(outcomes);
  document.getElementById('done').textContent = 'done';
})();
</script></body></html>`;
}
