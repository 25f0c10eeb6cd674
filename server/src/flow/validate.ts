import {
  buildGraph,
  type Flow,
  type FlowIssue,
  type FlowNode,
  flowSchema,
  validateSchedule,
} from '@backflow/flow-model';
import type { ValidateFunction } from 'ajv';
import { BackflowError, type ErrorDetail } from '../errors.ts';
import type { NodeType } from '../node-kit/contract.ts';
import { createAjv, toErrorDetails } from './ajv.ts';
import { resolveEnvRefs } from './env-refs.ts';
import { type FileAccess, localPathFields, outsideRoots } from './file-roots.ts';
import type { FlowGraph } from './graph.ts';
import { nestingIssue } from './nesting.ts';
import { precompiledValidator } from './precompiled.ts';

/** The issue of a secret written into a flow (drafts are refused with it too). */
export const inlineSecretMessage =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal syntax of an env reference.
  'is a secret: keep it in a stored connection or refer to an environment variable with ${env:NAME}';

/** A stored connection as a flow sees it: its connector and its config, secrets decrypted. */
export interface ResolvedConnection {
  type: string;
  config: Record<string, unknown>;
}

export interface ValidateFlowOptions {
  /** Stored connections by name; nodes may refer to them with `connection`. */
  connections?: ReadonlyMap<string, ResolvedConnection>;
  /** Where `${env:NAME}` references are looked up (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Local paths in configs must fall under these roots (a server's flows); unchecked without. */
  files?: FileAccess;
}

export interface FlowValidation {
  flow?: Flow;
  graph?: FlowGraph;
  issues: FlowIssue[];
}

/**
 * Validates a flow document in three passes, once its nesting depth is known to be bounded (every
 * pass recurses): the document shape (ajv), each node's config against its node type's schema (ajv,
 * defaults filled in) after merging in its stored connection, and the graph (ports, kinds, cycles).
 * Every issue names the JSON path and, where there is one, the node id. The returned flow carries
 * the merged configs; the document itself never holds a secret: an inline value of a `writeOnly`
 * field must be an `${env:NAME}` reference.
 */
export function createFlowValidator(typeOf: (type: string) => NodeType | undefined) {
  // ajv and the flow schema compile at the first validation, not where a module creates its validator
  // at start: `backflow node-types` validates nothing.
  let ajv: ReturnType<typeof createAjv> | undefined;
  let validateDocument: ValidateFunction | undefined;
  const compile = (schema: object): ValidateFunction => {
    const compiled = precompiledValidator(schema);
    if (compiled) return compiled;
    ajv ??= createAjv({ validateSchema: false });
    return ajv.compile(schema);
  };
  const configValidators = new Map<string, ValidateFunction>();
  const configValidator = (type: NodeType, partial: boolean): ValidateFunction => {
    const id = `${type.type}${partial ? ' (partial)' : ''}`;
    let validate = configValidators.get(id);
    if (!validate) {
      validate = compile(partial ? partialSchema(type.config) : type.config);
      configValidators.set(id, validate);
    }
    return validate;
  };

  /**
   * One node's config as a run gets it: its stored connection merged in, `${env:NAME}` resolved,
   * checked against its type's schema (defaults filled in) and `checkConfig`, local paths within
   * the file roots. Issues point at `at` (`nodes[2]`: `nodes[2].config.path`; empty: `config.path`)
   * and name the node. `partial` checks a config still being edited (for `discover`): the fields it
   * has must be valid, none is required, and `checkConfig` is left for the run.
   */
  const resolveNode = (
    node: Pick<FlowNode, 'id' | 'connection' | 'config'>,
    type: NodeType,
    at: string,
    options: ValidateFlowOptions & { partial?: boolean },
  ): { config: Record<string, unknown>; issues: FlowIssue[] } => {
    const issues: FlowIssue[] = [];
    const prefix = at === '' ? '' : `${at}.`;
    let config = { ...(node.config ?? {}) };
    for (const field of secretFields(type)) {
      if (field in config && !isEnvReference(config[field])) {
        issues.push({ path: `${prefix}config.${field}`, message: inlineSecretMessage, nodeId: node.id });
      }
    }
    if (node.connection !== undefined) {
      const problem = connectionProblem(node.connection, type, options.connections);
      if (problem)
        return { config, issues: [...issues, { path: `${prefix}connection`, message: problem, nodeId: node.id }] };
      config = { ...options.connections!.get(node.connection)!.config, ...config };
    }
    try {
      config = resolveEnvRefs(config, node.id, `${prefix}config`, options.env);
    } catch (error) {
      if (!(error instanceof BackflowError)) throw error;
      for (const detail of error.details)
        issues.push({ path: detail.path ?? '', message: detail.message, nodeId: node.id });
      return { config, issues };
    }
    const validate = configValidator(type, options.partial === true);
    if (!validate(config)) {
      for (const detail of toErrorDetails(validate.errors, `${prefix}config`))
        issues.push({ ...detail, nodeId: node.id });
      return { config, issues };
    }
    for (const detail of options.partial ? [] : (type.checkConfig?.(config) ?? [])) {
      const path = detail.path ? `${prefix}config.${detail.path}` : `${prefix}config`;
      issues.push({ path, message: detail.message, nodeId: node.id });
    }
    if (options.files) {
      for (const field of localPathFields(type.config)) {
        const value = config[field];
        const problem = typeof value === 'string' ? outsideRoots(value, options.files) : undefined;
        if (problem) issues.push({ path: `${prefix}config.${field}`, message: problem, nodeId: node.id });
      }
    }
    return { config, issues };
  };

  function validateFlow(document: unknown, options: ValidateFlowOptions = {}): FlowValidation {
    // First: structuredClone, ajv and the env reference walk all recurse.
    const tooDeep = nestingIssue(document);
    if (tooDeep) return { issues: [withNodeId(tooDeep, document as Flow)] };
    const flow = structuredClone(document) as Flow;
    validateDocument ??= compile(flowSchema);
    if (!validateDocument(flow)) {
      return { issues: toErrorDetails(validateDocument.errors, '').map((d) => withNodeId(d, flow)) };
    }
    const issues: FlowIssue[] = [];
    flow.nodes.forEach((node, index) => {
      const type = typeOf(node.type);
      if (!type) return; // reported by the graph pass
      const resolved = resolveNode(node, type, `nodes[${index}]`, options);
      node.config = resolved.config;
      issues.push(...resolved.issues);
    });
    if (flow.nodes.length === 0) issues.push({ path: 'nodes', message: 'a flow needs at least one node' });
    if (flow.schedule) issues.push(...validateSchedule(flow.schedule));
    issues.push(...inlineAlertSecrets(flow));
    const { graph, issues: graphIssues } = buildGraph(flow, typeOf);
    issues.push(...graphIssues);
    return issues.length > 0 ? { flow, issues } : { flow, graph, issues };
  }

  return Object.assign(validateFlow, { resolveNode });
}

/** A config schema with nothing required (at its top level): the fields present are checked, none is missing. */
function partialSchema(schema: NodeType['config']): Record<string, unknown> {
  const { required: _required, oneOf: _oneOf, anyOf: _anyOf, ...rest } = schema as Record<string, unknown>;
  return rest;
}

/** The connector a node type belongs to: `postgres` for `postgres.source`. */
export function connectorOf(type: NodeType): string {
  return type.type.split('.')[0]!;
}

/** Config fields the node type's schema marks `writeOnly` (passwords, keys, tokens). */
export function secretFields(type: NodeType): string[] {
  const properties = (type.config.properties ?? {}) as Record<string, { writeOnly?: boolean }>;
  return Object.entries(properties)
    .filter(([, property]) => property.writeOnly === true)
    .map(([field]) => field);
}

/**
 * An alert's signing secret and Slack webhook URL (the URL is the credential) are `${env:NAME}`
 * references, like a node's secrets: a flow document never holds one. They are resolved when sent.
 */
function inlineAlertSecrets(flow: Flow): FlowIssue[] {
  return (flow.alerts ?? []).flatMap((alert, index) => {
    const [field, value] =
      'slack' in alert ? ['slack.webhookUrl', alert.slack.webhookUrl] : ['webhook.secret', alert.webhook.secret];
    return value === undefined || isEnvReference(value)
      ? []
      : [{ path: `alerts[${index}].${field}`, message: inlineSecretMessage }];
  });
}

function isEnvReference(value: unknown): boolean {
  return typeof value === 'string' && /^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/.test(value);
}

function connectionProblem(
  name: string,
  type: NodeType,
  connections: ReadonlyMap<string, ResolvedConnection> | undefined,
): string | undefined {
  if (!type.connectionFields?.length) return `node type ${type.type} does not take a stored connection`;
  const connection = connections?.get(name);
  if (!connection) return `no stored connection is named "${name}"`;
  if (connection.type !== connectorOf(type)) {
    return `connection "${name}" is a ${connection.type} connection; ${type.type} takes ${connectorOf(type)} connections`;
  }
  return undefined;
}

function withNodeId(detail: ErrorDetail, flow: Flow): FlowIssue {
  const match = /^nodes\[(\d+)\]/.exec(detail.path ?? '');
  const node = match && Array.isArray(flow?.nodes) ? flow.nodes[Number(match[1])] : undefined;
  const nodeId = node && typeof node.id === 'string' ? node.id : undefined;
  return { path: detail.path ?? '', message: detail.message, ...(nodeId ? { nodeId } : {}) };
}
