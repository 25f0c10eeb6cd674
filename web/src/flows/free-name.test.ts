import { describe, expect, it } from 'vitest';
import { freeName } from './free-name.ts';

describe('freeName', () => {
  it('keeps a name no flow has', () => {
    expect(freeName('orders', [{ name: 'orders-2' }])).toBe('orders');
  });

  it('numbers a taken name from 2, skipping numbers taken too', () => {
    expect(freeName('orders', [{ name: 'orders' }])).toBe('orders-2');
    expect(freeName('zoë', [{ name: 'zoë' }, { name: 'zoë-2' }, { name: 'zoë-4' }])).toBe('zoë-3');
  });
});
