import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Flow } from '@backflow/flow-model';
import { prepareDemoWarehouse } from '../demo/prepare.ts';
import { BackflowError, ConfigError, errorMessage } from '../errors.ts';
import { type ResolvedConnection, secretFields } from '../flow/validate.ts';
import type { NodeContext, StreamInfo } from '../node-kit/contract.ts';
import { secretParts } from '../node-kit/url-redaction.ts';
import type { NodeCatalog } from '../nodes/registry.ts';
import type { Redactor } from '../secrets/redactor.ts';
import { validatorFor } from './flow-runner.ts';

/** What the editor asks to list: a node's type and its config as edited, its connection by name. */
export interface DiscoverRequest {
  type: string;
  config: Record<string, unknown>;
  connection?: string;
  /** The node asking, so an error can name it. */
  nodeId?: string;
}

export interface DiscoverOptions {
  catalog: NodeCatalog;
  connections: ReadonlyMap<string, ResolvedConnection>;
  baseDir: string;
  /** The directories a server's flows may touch: a path outside them is refused, as in a run. */
  fileRoots?: readonly string[];
  /** Learns the secret values the config resolved (from the environment), to keep them out of answers. */
  redactor?: Redactor;
  /** How long discovery may take (default 30 s). */
  timeoutMs?: number;
}

/** The node type has no `discover`. */
export class NotDiscoverableError extends BackflowError {
  constructor(type: string) {
    super('not_discoverable', `node type ${type} cannot list its streams (it has no discover)`);
  }
}

/** The system could not be listed (unreachable, refused, no such database). */
export class DiscoverError extends BackflowError {
  constructor(message: string, nodeId: string | undefined, cause: unknown) {
    super('discover_failed', message, { ...(nodeId ? { nodeId } : {}), cause });
  }
}

/**
 * Lists the streams (tables) a node could read or write, with their typed columns, keys and
 * shape, for the editor's pickers. The config is resolved as a run resolves it (stored connection
 * merged in, `${env:NAME}` references, file roots), but it may be half edited: the fields it has
 * must be valid, none is required.
 */
export async function discoverStreams(request: DiscoverRequest, options: DiscoverOptions): Promise<StreamInfo[]> {
  const type = options.catalog.find(request.type);
  if (!type) throw new BackflowError('not_found', `no node type "${request.type}"`);
  if (!type.discover) throw new NotDiscoverableError(type.type);
  const nodeId = request.nodeId ?? type.type;
  const { config, issues } = validatorFor(options.catalog).resolveNode(
    { id: nodeId, config: request.config, ...(request.connection ? { connection: request.connection } : {}) },
    type,
    '',
    {
      partial: true,
      connections: options.connections,
      ...(options.fileRoots ? { files: { baseDir: options.baseDir, roots: options.fileRoots } } : {}),
    },
  );
  if (issues.length > 0) {
    const where = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    throw new ConfigError(`cannot list the tables of "${nodeId}": ${where}`, { nodeId, details: issues });
  }
  for (const field of secretFields(type)) {
    const value = config[field];
    if (typeof value === 'string') for (const secret of secretParts(value)) options.redactor?.add(secret);
  }
  // The demo warehouse is generated on first use, by a listing as by a run or a preview.
  const demo: Flow = { name: 'discover', nodes: [{ id: nodeId, type: type.type, config }], edges: [] };
  await prepareDemoWarehouse(demo, options.baseDir);
  const tempDir = await mkdtemp(path.join(tmpdir(), 'backflow-discover-'));
  try {
    return await type.discover(config, discoverContext(nodeId, options, tempDir));
  } catch (error) {
    throw new DiscoverError(`cannot list the tables of "${nodeId}": ${errorMessage(error)}`, nodeId, error);
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}

function discoverContext(nodeId: string, options: DiscoverOptions, tempDir: string): NodeContext {
  const quiet = () => undefined;
  return {
    runId: 'discover',
    flowName: 'discover',
    nodeId,
    runDate: new Date().toISOString().slice(0, 10),
    tempDir,
    baseDir: options.baseDir,
    ...(options.fileRoots ? { fileRoots: options.fileRoots } : {}),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    log: { info: quiet, warn: quiet, error: quiet },
  };
}
