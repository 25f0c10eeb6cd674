import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import { api } from '../api/client.ts';
import type { Connection, ConnectionType } from '../api/types.ts';

interface ConnectionState {
  list: Connection[];
  types: ConnectionType[];
  loaded: boolean;
  error: unknown;
}

/** Stored connections and their kinds, fetched once and after each change. */
export const connectionStore = createStore<ConnectionState>()(() => ({
  list: [],
  types: [],
  loaded: false,
  error: undefined,
}));

export async function refreshConnections(): Promise<void> {
  try {
    const [list, types] = await Promise.all([api.listConnections(), api.connectionTypes()]);
    connectionStore.setState({ list, types, loaded: true, error: undefined });
  } catch (error) {
    connectionStore.setState({ loaded: true, error });
  }
}

export function useConnections<T>(selector: (state: ConnectionState) => T): T {
  return useStore(connectionStore, selector);
}

/** The connector a node type belongs to: the part of its id before the dot (`duckdb.source` → `duckdb`). */
export function connectorOf(nodeType: string): string {
  return nodeType.split('.')[0]!;
}
