/**
 * How the editor copes with a big flow: 300 nodes (100 chains DuckDB → CSV → files, no positions,
 * so the editor lays them out as it opens), then an auto-layout, then a pan across the canvas.
 * Shared by the browser suite (a coarse guard) and the benchmark entry (the figures).
 */
import type { Page } from 'playwright-core';

export const chains = 100;

/** A flow of `count` independent three-node chains, none placed. */
export function bigFlow(count = chains, name = `big-flow-${count * 3}`) {
  const nodes: { id: string; type: string; config: Record<string, unknown> }[] = [];
  const edges: { from: string; to: string }[] = [];
  for (let i = 1; i <= count; i++) {
    nodes.push(
      {
        id: `table-${i}`,
        type: 'duckdb.source',
        config: { path: 'demo/warehouse.duckdb', table: 'orders', key: 'order_id' },
      },
      { id: `csv-${i}`, type: 'csv.format', config: { rowsPerFile: 50_000 } },
      { id: `files-${i}`, type: 'files.destination', config: { dir: `backups/{flow}/${i}/{runId}` } },
    );
    edges.push({ from: `table-${i}`, to: `csv-${i}` }, { from: `csv-${i}`, to: `files-${i}` });
  }
  return { name, nodes, edges };
}

export interface BigFlowTiming {
  /** From navigation to every node and edge drawn (includes the first layout). */
  openMs: number;
  /** From the Auto-layout click to the next painted frame. */
  layoutMs: number;
  /** Frame intervals while the canvas is dragged across 600 px. */
  panFrames: number[];
  panFrameP50: number;
  panFrameP95: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Saves the flow through the API, opens it in `page` and times opening, layout and a pan. */
export async function measureBigFlow(page: Page, serverUrl: string): Promise<BigFlowTiming> {
  const flow = bigFlow(chains, `big-flow-${Date.now().toString(36)}`);
  const response = await fetch(`${serverUrl}/api/flows?draft=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(flow),
  });
  if (!response.ok) throw new Error(`saving the big flow failed: ${response.status} ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };

  const started = Date.now();
  await page.goto(`${serverUrl}/flows/${id}`);
  await page.waitForFunction(
    `document.querySelectorAll('.react-flow__node').length === ${flow.nodes.length} &&
     document.querySelectorAll('.react-flow__edge').length === ${flow.edges.length}`,
    undefined,
    { timeout: 60_000 },
  );
  const openMs = Date.now() - started;

  // Scripts run in the page are strings: a transpiler's helpers (tsx names functions) do not exist there.
  const layoutMs = await page.evaluate<number>(`new Promise((resolve) => {
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Auto-layout');
    const t0 = performance.now();
    button.click();
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
  })`);

  // The Auto-layout button fits the view afterwards (a 200 ms animation).
  await page.waitForTimeout(500);
  const before = await page.locator('.react-flow__viewport').getAttribute('style');

  // Pan: drag the empty canvas while the page records when each frame is painted.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__recording = true;
    const tick = (at) => {
      window.__frames.push(at);
      if (window.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  const pane = await page.locator('.react-flow__pane').boundingBox();
  if (!pane) throw new Error('the canvas is not on screen');
  // The laid-out flow is a tall column in the middle: its left edge is empty canvas to grab.
  const x = pane.x + 12;
  const y = pane.y + pane.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let step = 1; step <= 60; step++) {
    await page.mouse.move(x + step * 10, y - step * 4);
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
  const stamps = await page.evaluate<number[]>('window.__recording = false, window.__frames');
  const after = await page.locator('.react-flow__viewport').getAttribute('style');
  if (after === before) throw new Error('the drag did not pan the canvas');
  const panFrames = stamps.slice(1).map((at, i) => at - stamps[i]!);
  return {
    openMs,
    layoutMs,
    panFrames,
    panFrameP50: percentile(panFrames, 50),
    panFrameP95: percentile(panFrames, 95),
  };
}
