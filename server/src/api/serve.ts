import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve as serveHttp } from '@hono/node-server';
import { Hono } from 'hono';
import { DEMO_WAREHOUSE_PATH } from '../demo/prepare.ts';
import { ensureDemoWarehouse } from '../demo/warehouse.ts';
import { describeNodeType, nodeTypes } from '../nodes/registry.ts';

export interface ServeOptions {
  port: number;
  host: string;
  dataDir: string;
}

const webDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** The HTTP API (health and node types for now; the server issue adds flows, runs and connections). */
export function createApp(): Hono {
  const app = new Hono();
  app.get('/api/health', (c) => c.json({ status: 'ok' }));
  app.get('/api/node-types', (c) => c.json(nodeTypes.map(describeNodeType)));
  app.get('/', async (c) => {
    const page = await readFile(path.join(webDist, 'index.html'), 'utf8').catch(() => undefined);
    return page ? c.html(page) : c.text('web app not built: run npm start', 503);
  });
  return app;
}

export async function serve(options: ServeOptions): Promise<void> {
  // The examples read the demo warehouse; build it now so the first run does not wait for it.
  await ensureDemoWarehouse(path.resolve(DEMO_WAREHOUSE_PATH));
  const app = createApp();
  await new Promise<void>((resolve) => {
    serveHttp({ fetch: app.fetch, port: options.port, hostname: options.host }, (info) => {
      console.log(`listening on http://${options.host}:${info.port}`);
      resolve();
    });
  });
}
