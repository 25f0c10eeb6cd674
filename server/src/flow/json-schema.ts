/** Node types and connectors name JSON Schema through here; the type is the flow model's. */
export type { JSONSchema } from '@backflow/flow-model';
