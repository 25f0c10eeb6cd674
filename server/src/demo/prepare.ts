/** Generates the demo warehouse on first use, for flows that read it (README: "generated on first use"). */
import { resolve } from 'node:path';
import type { Flow } from '@backflow/flow-model';
import { ensureDemoWarehouse } from './warehouse.ts';

/** Where flows find the demo warehouse, relative to their base directory. */
export const DEMO_WAREHOUSE_PATH = 'demo/warehouse.duckdb';

/** Ensures the demo warehouse exists when a node of `flow` names it as its `path`. */
export async function prepareDemoWarehouse(flow: Flow, baseDir: string): Promise<void> {
  const demoFile = resolve(baseDir, DEMO_WAREHOUSE_PATH);
  const namesDemo = flow.nodes.some((node) => {
    const path = node.config?.path;
    return typeof path === 'string' && resolve(baseDir, path) === demoFile;
  });
  if (namesDemo) await ensureDemoWarehouse(demoFile);
}
