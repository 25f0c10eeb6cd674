/**
 * ID maps held in memory: what a run has when no store keeps one (the engine's tests, a node called
 * directly in a test), and a dry run's overlay, which reads the flow's map but keeps what the dry
 * run records to itself. The store's (store/id-map-repository.ts) keeps pairs across runs.
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
    async recorded(object, { after, limit }) {
      const pairs = [...(objects.get(object) ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return pairs.filter(([source]) => after === undefined || source > after).slice(0, limit);
    },
  };
}

/** The flow's map read through, with what this run records kept in memory (a dry run writes nothing). */
export function dryRunIdMap(flowMap: IdMap): IdMap {
  const planned = memoryIdMap();
  return {
    async lookup(object, sourceIds) {
      const found = await planned.lookup(object, sourceIds);
      const rest = sourceIds.filter((id) => !found.has(id));
      if (rest.length > 0)
        for (const [source, destination] of await flowMap.lookup(object, rest)) found.set(source, destination);
      return found;
    },
    record: (object, pairs) => planned.record(object, pairs),
    recorded: (object, page) => planned.recorded(object, page),
  };
}
