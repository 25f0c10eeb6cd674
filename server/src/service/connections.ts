import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JSONSchema } from '@backflow/flow-model';
import type { ValidateFunction } from 'ajv';
import { BackflowError, ConfigError, errorMessage } from '../errors.ts';
import { createAjv, toErrorDetails } from '../flow/ajv.ts';
import { localPathFields, outsideRoots } from '../flow/file-roots.ts';
import { connectorOf, type ResolvedConnection, secretFields } from '../flow/validate.ts';
import type { NodeContext, NodeType } from '../node-kit/contract.ts';
import { secretParts } from '../node-kit/url-redaction.ts';
import type { NodeCatalog } from '../nodes/registry.ts';
import type { Redactor } from '../secrets/redactor.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { ConnectionRow } from '../store/connection-repository.ts';
import type { StateStore } from '../store/state-store.ts';

/** A kind of stored connection: the fields a connector's node types accept from one. */
export interface ConnectionType {
  type: string;
  title: string;
  config: JSONSchema;
  secretFields: string[];
}

/** A connection as the API shows it: secret fields only say that they are set. */
export interface ConnectionView {
  id: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
  secretsSet: string[];
  createdAt: string;
  updatedAt: string;
}

export interface ConnectionInput {
  name: string;
  type: string;
  /** On update, a secret field left out keeps its stored value and `null` clears it. */
  config: Record<string, unknown>;
}

export class NotFoundError extends BackflowError {
  constructor(what: string, id: string) {
    super('not_found', `no ${what} with id "${id}"`);
  }
}

export class ConnectionCheckError extends BackflowError {
  constructor(name: string, cause: unknown) {
    super('connection_failed', `connection "${name}" failed its test: ${errorMessage(cause)}`, { cause });
  }
}

/**
 * Connection kinds come from the catalog: every connector whose node types declare
 * `connectionFields` has one, its schema made of those fields (none required on their own: a node
 * validates the merged config).
 */
export function connectionTypes(catalog: NodeCatalog): ConnectionType[] {
  const byConnector = new Map<string, ConnectionType>();
  for (const nodeType of catalog.types) {
    if (!nodeType.connectionFields?.length) continue;
    const connector = connectorOf(nodeType);
    const kind = byConnector.get(connector) ?? {
      type: connector,
      // `DuckDB source` → `DuckDB`: the system, not the role.
      title: nodeType.title.replace(/\s+(source|destination)$/i, ''),
      config: { type: 'object', additionalProperties: false, properties: {} },
      secretFields: [],
    };
    const properties = kind.config.properties as Record<string, JSONSchema>;
    const nodeProperties = (nodeType.config.properties ?? {}) as Record<string, JSONSchema>;
    for (const field of nodeType.connectionFields) {
      if (nodeProperties[field]) properties[field] ??= nodeProperties[field];
    }
    for (const field of secretFields(nodeType)) {
      if (nodeType.connectionFields.includes(field) && !kind.secretFields.includes(field))
        kind.secretFields.push(field);
    }
    byConnector.set(connector, kind);
  }
  return [...byConnector.values()];
}

/**
 * Stored connections: secret (`writeOnly`) fields are sealed with AES-256-GCM before they reach the
 * store, never returned, and registered with the redactor so they cannot leak into logs or errors.
 */
export class ConnectionService {
  private readonly kinds: Map<string, ConnectionType>;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv = createAjv();

  constructor(
    private readonly options: {
      store: StateStore;
      catalog: NodeCatalog;
      box: SecretBox;
      redactor: Redactor;
      baseDir: string;
      /** A server's file roots: local paths in connections must fall under them (see flow/file-roots.ts). */
      fileRoots?: readonly string[];
    },
  ) {
    this.kinds = new Map(connectionTypes(options.catalog).map((kind) => [kind.type, kind]));
  }

  types(): ConnectionType[] {
    return [...this.kinds.values()];
  }

  /** Registers every stored secret with the redactor (at start-up). */
  async load(): Promise<void> {
    for (const row of await this.options.store.connections.list()) this.unseal(row);
  }

  async list(): Promise<ConnectionView[]> {
    return (await this.options.store.connections.list()).map(toView);
  }

  async get(id: string): Promise<ConnectionView> {
    return toView(await this.row(id));
  }

  async create(input: ConnectionInput): Promise<ConnectionView> {
    const { config, secrets } = this.split(input, {});
    return toView(await this.options.store.connections.create({ name: input.name, type: input.type, config, secrets }));
  }

  async update(id: string, input: ConnectionInput): Promise<ConnectionView> {
    const current = await this.row(id);
    const kept = current.type === input.type ? current.secrets : {};
    const { config, secrets } = this.split(input, kept);
    const row = await this.options.store.connections.update(id, {
      name: input.name,
      type: input.type,
      config,
      secrets,
    });
    if (!row) throw new NotFoundError('connection', id);
    return toView(row);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.options.store.connections.delete(id))) throw new NotFoundError('connection', id);
  }

  /** Every stored connection with its secrets opened, for validating and running flows. */
  async resolved(): Promise<Map<string, ResolvedConnection>> {
    const rows = await this.options.store.connections.list();
    return new Map(rows.map((row) => [row.name, { type: row.type, config: this.unseal(row) }]));
  }

  /** Runs the connector's `check` against the connection's config. */
  async test(id: string): Promise<{ ok: true; durationMs: number }> {
    const row = await this.row(id);
    const nodeType = this.options.catalog.types.find(
      (t): t is NodeType => Boolean(t.check && t.connectionFields?.length) && connectorOf(t) === row.type,
    );
    if (!nodeType?.check) throw new ConfigError(`${row.type} connections cannot be tested`);
    const config = this.unseal(row);
    this.assertWithinRoots(this.kinds.get(row.type)!, config);
    const tempDir = await mkdtemp(path.join(tmpdir(), 'backflow-check-'));
    const started = Date.now();
    try {
      const ctx = checkContext(row.name, this.options.baseDir, tempDir);
      await nodeType.check(config, this.options.fileRoots ? { ...ctx, fileRoots: this.options.fileRoots } : ctx);
      return { ok: true, durationMs: Date.now() - started };
    } catch (error) {
      throw new ConnectionCheckError(row.name, error);
    } finally {
      await rm(tempDir, { recursive: true, force: true });
    }
  }

  private async row(id: string): Promise<ConnectionRow> {
    const row = await this.options.store.connections.get(id);
    if (!row) throw new NotFoundError('connection', id);
    return row;
  }

  /** Validates the input and splits it into public config and sealed secrets. */
  private split(input: ConnectionInput, kept: Record<string, string>) {
    const kind = this.kinds.get(input.type);
    if (!kind) {
      throw new ConfigError(`unknown connection type "${input.type}"`, {
        details: [{ path: 'type', message: `must be one of: ${[...this.kinds.keys()].join(', ')}` }],
      });
    }
    const secrets = { ...kept };
    const config: Record<string, unknown> = {};
    const candidate: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(input.config)) {
      if (kind.secretFields.includes(field) && value === null) delete secrets[field];
      else candidate[field] = value;
    }
    const validate = this.validator(kind);
    if (!validate(candidate)) {
      throw new ConfigError('the connection config is invalid', { details: toErrorDetails(validate.errors, 'config') });
    }
    this.assertWithinRoots(kind, candidate);
    for (const [field, value] of Object.entries(candidate)) {
      if (kind.secretFields.includes(field)) {
        secrets[field] = this.options.box.seal(String(value));
        for (const secret of secretParts(String(value))) this.options.redactor.add(secret);
      } else config[field] = value;
    }
    return { config, secrets };
  }

  /** A local path of a server's connection must fall under its file roots, as a flow's must. */
  private assertWithinRoots(kind: ConnectionType, config: Record<string, unknown>): void {
    const roots = this.options.fileRoots;
    if (!roots) return;
    const details = localPathFields(kind.config).flatMap((field) => {
      const value = config[field];
      const problem =
        typeof value === 'string' ? outsideRoots(value, { baseDir: this.options.baseDir, roots }) : undefined;
      return problem ? [{ path: `config.${field}`, message: problem }] : [];
    });
    if (details.length > 0) throw new ConfigError('the connection config is invalid', { details });
  }

  private validator(kind: ConnectionType): ValidateFunction {
    let validate = this.validators.get(kind.type);
    if (!validate) {
      validate = this.ajv.compile(kind.config);
      this.validators.set(kind.type, validate);
    }
    return validate;
  }

  private unseal(row: ConnectionRow): Record<string, unknown> {
    const config: Record<string, unknown> = { ...row.config };
    for (const [field, sealed] of Object.entries(row.secrets)) {
      const value = this.options.box.open(sealed);
      for (const secret of secretParts(value)) this.options.redactor.add(secret);
      config[field] = value;
    }
    return config;
  }
}

function toView(row: ConnectionRow): ConnectionView {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    config: row.config,
    secretsSet: Object.keys(row.secrets).sort(),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function checkContext(name: string, baseDir: string, tempDir: string): NodeContext {
  const quiet = () => undefined;
  return {
    runId: 'connection-test',
    flowName: name,
    nodeId: name,
    runDate: new Date().toISOString().slice(0, 10),
    tempDir,
    baseDir,
    signal: AbortSignal.timeout(30_000),
    log: { info: quiet, warn: quiet, error: quiet },
  };
}
