/**
 * An ID map held in memory: what a run has when no store keeps one (the engine's tests, a node
 * called directly in a test). The store's (store/id-map-repository.ts) keeps pairs across runs.
 */
import type { IdMap } from './contract.ts';

export function memoryIdMap(): IdMap {
  const objects = new Map<string, Map<string, string>>();
  return {
    async lookup(object, sourceIds) {
      const pairs = objects.get(object);
      const found = new Map<string, string>();
      for (const id of sourceIds) {
        const destination = pairs?.get(id);
        if (destination !== undefined) found.set(id, destination);
      }
      return found;
    },
    async record(object, pairs) {
      let known = objects.get(object);
      if (known === undefined) {
        known = new Map();
        objects.set(object, known);
      }
      for (const [source, destination] of pairs) known.set(source, destination);
    },
  };
}
