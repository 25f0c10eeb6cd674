/** The flow model's graph over the server's node types: the engine walks it with each node's full NodeType. */
import type * as model from '@backflow/flow-model';
import type { NodeType } from '../node-kit/contract.ts';

export type FlowGraph = model.FlowGraph<NodeType>;
export type GraphNode = model.GraphNode<NodeType>;
export type { GraphEdge } from '@backflow/flow-model';
