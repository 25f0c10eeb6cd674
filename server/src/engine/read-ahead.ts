/**
 * Reads up to `depth` items ahead of the consumer, so a source fetches its next batch while the
 * current one is being written. Memory stays bounded by `depth` batches.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const pending: Promise<IteratorResult<T>>[] = [];
  const fill = () => {
    while (pending.length < depth + 1) {
      const next = iterator.next();
      // Observed now: a fetch may fail while the consumer is busy (or gone), before anyone awaits it;
      // the consumer still gets the error when it reaches that item.
      next.catch(() => undefined);
      pending.push(next);
    }
  };
  try {
    fill();
    while (true) {
      const result = await pending.shift()!;
      if (result.done) return;
      yield result.value;
      fill();
    }
  } finally {
    // Settle fetches already started before closing the source, so none rejects unobserved.
    await Promise.allSettled(pending);
    await iterator.return?.();
  }
}
