import type { NodeTypeLookup } from '@backflow/flow-model';
import type { Catalog, NodeTypeInfo } from '../api/types.ts';

/** The catalog as the flow model's rules look node types up. */
export function typeLookup(catalog: Catalog): NodeTypeLookup<NodeTypeInfo> {
  return (type) => catalog[type];
}
