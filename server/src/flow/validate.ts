import type { ValidateFunction } from 'ajv';
import type { ErrorDetail } from '../errors.ts';
import type { NodeType } from '../nodes/contract.ts';
import { createAjv, toErrorDetails } from './ajv.ts';
import type { Flow } from './flow-schema.ts';
import { flowSchema } from './flow-schema.ts';
import { buildGraph, type FlowGraph } from './graph.ts';

export interface FlowIssue extends ErrorDetail {
  path: string;
  nodeId?: string;
}

export interface FlowValidation {
  flow?: Flow;
  graph?: FlowGraph;
  issues: FlowIssue[];
}

/**
 * Validates a flow document in three passes: the document shape (ajv), each node's config against
 * its node type's schema (ajv, defaults filled in), and the graph (ports, kinds, cycles). Every issue
 * names the JSON path and, where there is one, the node id.
 */
export function createFlowValidator(typeOf: (type: string) => NodeType | undefined) {
  const ajv = createAjv();
  const validateDocument = ajv.compile(flowSchema);
  const configValidators = new Map<string, ValidateFunction>();
  const configValidator = (type: NodeType): ValidateFunction => {
    let validate = configValidators.get(type.type);
    if (!validate) {
      validate = ajv.compile(type.config);
      configValidators.set(type.type, validate);
    }
    return validate;
  };

  return function validateFlow(document: unknown): FlowValidation {
    const flow = structuredClone(document) as Flow;
    if (!validateDocument(flow)) {
      return { issues: toErrorDetails(validateDocument.errors, '').map((d) => withNodeId(d, flow)) };
    }
    const issues: FlowIssue[] = [];
    flow.nodes.forEach((node, index) => {
      const type = typeOf(node.type);
      if (!type) return; // reported by the graph pass
      node.config ??= {};
      const validate = configValidator(type);
      if (!validate(node.config)) {
        for (const detail of toErrorDetails(validate.errors, `nodes[${index}].config`)) {
          issues.push({ ...detail, nodeId: node.id });
        }
        return;
      }
      for (const detail of type.checkConfig?.(node.config) ?? []) {
        const path = detail.path ? `nodes[${index}].config.${detail.path}` : `nodes[${index}].config`;
        issues.push({ path, message: detail.message, nodeId: node.id });
      }
    });
    const { graph, issues: graphIssues } = buildGraph(flow, typeOf);
    issues.push(...graphIssues);
    return issues.length > 0 ? { flow, issues } : { flow, graph, issues };
  };
}

function withNodeId(detail: ErrorDetail, flow: Flow): FlowIssue {
  const match = /^nodes\[(\d+)\]/.exec(detail.path ?? '');
  const node = match && Array.isArray(flow?.nodes) ? flow.nodes[Number(match[1])] : undefined;
  const nodeId = node && typeof node.id === 'string' ? node.id : undefined;
  return { path: detail.path ?? '', message: detail.message, ...(nodeId ? { nodeId } : {}) };
}
