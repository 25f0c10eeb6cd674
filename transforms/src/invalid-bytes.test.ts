import { describe, expect, it } from 'vitest';
import { createInvalidBytesQueue } from './invalid-bytes.ts';

describe('createInvalidBytesQueue', () => {
  it('places marks in the whole text, names the first one in a record, and forgets what lies before it', () => {
    const queue = createInvalidBytesQueue();
    queue.add(10, [{ at: 4, reason: 'bad at 4' }]);
    queue.add(10, [
      { at: 1, reason: 'bad at 11' },
      { at: 5, reason: 'bad at 15' },
    ]);
    expect(queue.received).toBe(20);
    expect(queue.takeBetween(0, 4, 1)).toBeUndefined();
    // The mark at 4 lay in text skipped before this record; the two in it make one error.
    expect(queue.takeBetween(8, 16, 2)).toEqual({ line: 2, code: 'invalid_encoding', message: 'line 2: bad at 11' });
    expect(queue.takeBetween(0, 20, 3)).toBeUndefined();
  });
});
