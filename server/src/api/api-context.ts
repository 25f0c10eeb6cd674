import type { NodeCatalog } from '../nodes/registry.ts';
import type { Redactor } from '../secrets/redactor.ts';
import type { ConnectionService } from '../service/connections.ts';
import type { RunService } from '../service/run-service.ts';
import type { Scheduler } from '../service/scheduler.ts';
import type { StateStore } from '../store/state-store.ts';

/** What the routes work with; `createApp` gets it from `serve` (or a test). */
export interface ApiContext {
  store: StateStore;
  catalog: NodeCatalog;
  connections: ConnectionService;
  runs: RunService;
  scheduler: Scheduler;
  redactor: Redactor;
  dataDir: string;
  /** Relative paths in flows resolve against this directory. */
  baseDir: string;
  /** The directories flows may touch (BACKFLOW_FILES_ROOTS, or baseDir, plus dataDir). */
  fileRoots: readonly string[];
  version: string;
}
