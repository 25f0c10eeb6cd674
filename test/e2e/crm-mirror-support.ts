/** What the CRM mirror tests share: a destination type whose mirror deletes land, then fail the run once when armed. */
import type { DestinationType } from '../../server/src/node-kit/contract.ts';

/**
 * `base` with a writer whose `delete` lets the deletes land and then, when `armed.now`, throws (once):
 * the run fails between the destination's deletes and the snapshot forgetting the keys, as a kill there would.
 */
export function crashingAfterDeletes(base: DestinationType): { type: DestinationType; armed: { now: boolean } } {
  const armed = { now: false };
  const type: DestinationType = {
    ...base,
    async open(config, ctx) {
      const writer = await base.open(config, ctx);
      return {
        ...writer,
        write: writer.write.bind(writer),
        prepare: writer.prepare.bind(writer),
        commit: writer.commit.bind(writer),
        state: () => writer.state?.(),
        plan: () => writer.plan?.() ?? [],
        async delete(stream, keys) {
          await writer.delete!(stream, keys);
          if (armed.now) {
            armed.now = false;
            throw new Error('killed after the deletes landed');
          }
        },
      };
    },
  };
  return { type, armed };
}
