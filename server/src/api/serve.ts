import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve as serveHttp } from '@hono/node-server';
import { DEMO_WAREHOUSE_PATH } from '../demo/prepare.ts';
import { ensureDemoWarehouse } from '../demo/warehouse.ts';
import { ConfigError, errorMessage } from '../errors.ts';
import { serverFileRoots } from '../flow/file-roots.ts';
import { catalog as defaultCatalog, type NodeCatalog } from '../nodes/registry.ts';
import { Redactor } from '../secrets/redactor.ts';
import { loadSecretKey, SecretBox } from '../secrets/secret-box.ts';
import { ConnectionService } from '../service/connections.ts';
import { RunActiveError, RunService } from '../service/run-service.ts';
import { createScheduler } from '../service/scheduler.ts';
import { writeServerFile } from '../store/server-file.ts';
import { StateStore } from '../store/state-store.ts';
import type { ApiContext } from './api-context.ts';
import { createApp, type HttpOptions } from './app.ts';
import { isLoopbackHost } from './request-guards.ts';

export interface ServeOptions extends HttpOptions {
  port: number;
  host: string;
  dataDir: string;
  /** Relative paths in flows resolve against this directory (default: the working directory). */
  baseDir?: string;
  /** The directories flows may touch (BACKFLOW_FILES_ROOTS; default: baseDir). The data dir is always one. */
  fileRoots?: string[];
  /** Resume runs a dead server left running (default true). */
  resumeInterrupted?: boolean;
  maxConcurrentRuns?: number;
  catalog?: NodeCatalog;
  /** Print `listening on …` (the CLI does; tests may not). */
  quiet?: boolean;
}

export interface RunningServer {
  url: string;
  api: ApiContext;
  /** Stops accepting requests, interrupts active runs (resumable) and closes the store. */
  close(): Promise<void>;
}

const version = JSON.parse(
  await readFile(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8'),
).version as string;

/** Refuses to expose the API beyond this machine without a token (DESIGN.md §8). */
export function assertSafeBinding(host: string, token: string | undefined): void {
  if (!isLoopbackHost(host) && !token) {
    throw new ConfigError(
      `refusing to listen on ${host} without a token: anyone who can reach it could read and run your flows. ` +
        'Set BACKFLOW_TOKEN (clients then send Authorization: Bearer <token>) or bind 127.0.0.1.',
    );
  }
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  assertSafeBinding(options.host, options.token);
  const baseDir = options.baseDir ?? process.cwd();
  // The examples read the demo warehouse; build it now so the first run does not wait for it.
  await ensureDemoWarehouse(path.resolve(baseDir, DEMO_WAREHOUSE_PATH));
  const store = await StateStore.open(options.dataDir);
  const fileRoots = serverFileRoots(options.fileRoots?.join(','), baseDir, options.dataDir);
  const redactor = new Redactor();
  store.redact = (text) => redactor.redact(text);
  const catalog = options.catalog ?? defaultCatalog;
  const connections = new ConnectionService({
    store,
    catalog,
    box: new SecretBox(await loadSecretKey(options.dataDir)),
    redactor,
    baseDir,
    fileRoots,
  });
  await connections.load();
  const runs = new RunService({
    store,
    catalog,
    dataDir: options.dataDir,
    baseDir,
    fileRoots,
    redactor,
    connections: () => connections.resolved(),
    ...(options.maxConcurrentRuns ? { maxConcurrentRuns: options.maxConcurrentRuns } : {}),
  });
  const scheduler = createScheduler({
    async trigger(flowId) {
      const flow = await store.flows.get(flowId);
      if (!flow) return 'skipped';
      try {
        await runs.start({ document: flow.document, flowId });
        return 'started';
      } catch (error) {
        if (error instanceof RunActiveError) return 'skipped';
        throw error;
      }
    },
    lastFired: (flowId) => store.flows.lastFired(flowId),
    markFired: (flowId, at) => store.flows.markFired(flowId, at),
    log: (level, message) => {
      const line = `backflow scheduler: ${redactor.redact(message)}`;
      if (level === 'error') console.error(line);
      else if (!options.quiet) console.log(line);
    },
  });
  const api: ApiContext = {
    store,
    catalog,
    connections,
    runs,
    scheduler,
    redactor,
    dataDir: options.dataDir,
    baseDir,
    fileRoots,
    version,
  };

  await runs.recover({ resume: options.resumeInterrupted ?? true });
  const scheduled = [];
  for (const flow of await store.flows.list()) {
    if (!flow.document.schedule) continue;
    const entry = { id: flow.id, name: flow.name, schedule: flow.document.schedule };
    try {
      scheduler.set(entry);
      scheduled.push(entry);
    } catch (error) {
      console.error(`backflow: flow ${flow.name} is not scheduled: ${errorMessage(error)}`);
    }
  }
  await scheduler.catchUp(scheduled);

  const app = createApp(api, { ...options, bindHost: options.host });
  const { server, port } = await new Promise<{ server: ReturnType<typeof serveHttp>; port: number }>((resolve) => {
    const server = serveHttp({ fetch: app.fetch, port: options.port, hostname: options.host }, (info) =>
      resolve({ server, port: info.port }),
    );
  });
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  const removeServerFile = await writeServerFile(options.dataDir, url);
  if (!options.quiet) console.log(`listening on ${url}`);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      scheduler.stop();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await runs.shutdown();
      // Event streams stay open until their run ends; every run has ended now.
      (server as Server).closeAllConnections();
      await stopped;
      await removeServerFile();
      await store.close();
    })();
    return closing;
  };
  return { url, api, close };
}
