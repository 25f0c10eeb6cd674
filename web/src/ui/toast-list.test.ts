import { describe, expect, it } from 'vitest';
import { maxToasts, type Toast, withToast } from './toast-list.ts';

const error = (id: number, message: string, details: string[] = []) => ({
  id,
  tone: 'error' as const,
  message,
  details,
});

function raise(...entries: Omit<Toast, 'count'>[]): Toast[] {
  return entries.reduce<Toast[]>((list, entry) => withToast(list, entry), []);
}

describe('withToast', () => {
  it(`keeps only the newest ${maxToasts}, oldest dropped first`, () => {
    const list = raise(error(1, 'a'), error(2, 'b'), error(3, 'c'), error(4, 'd'), error(5, 'e'));
    expect(list.map((toast) => [toast.id, toast.message])).toEqual([
      [3, 'c'],
      [4, 'd'],
      [5, 'e'],
    ]);
  });

  it('replaces the same toast with the newer one, counting the repeat, and moves it last', () => {
    const list = raise(
      error(1, 'Not connected'),
      error(2, 'other'),
      error(3, 'Not connected'),
      error(4, 'Not connected'),
    );
    expect(list).toEqual([
      { id: 2, tone: 'error', message: 'other', details: [], count: 1 },
      { id: 4, tone: 'error', message: 'Not connected', details: [], count: 3 },
    ]);
  });

  it('tells toasts apart by tone and details too', () => {
    const list = raise(
      error(1, 'Could not save', ['nodes[0].config.path: required']),
      error(2, 'Could not save', ['nodes[1].config.dir: required']),
      { id: 3, tone: 'info', message: 'Could not save', details: ['nodes[1].config.dir: required'] },
    );
    expect(list.map((toast) => [toast.id, toast.count])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
  });
});
