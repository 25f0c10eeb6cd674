import { describe, expect, it } from 'vitest';
import { foreignKeyOrder } from './foreign-key-order.ts';

describe('foreignKeyOrder', () => {
  it('puts every table after those it references, keeping the given order otherwise', () => {
    const order = foreignKeyOrder(
      ['deals', 'contacts', 'companies', 'notes'],
      [
        { from: 'deals', to: 'contacts', name: 'deal_contact' },
        { from: 'contacts', to: 'companies', name: 'contact_company' },
        { from: 'deals', to: 'companies', name: 'deal_company' },
        { from: 'companies', to: 'companies', name: 'parent_company' },
        { from: 'notes', to: 'elsewhere', name: 'note_elsewhere' },
      ],
    );
    expect(order).toEqual({ order: ['companies', 'contacts', 'deals', 'notes'], broken: [] });
  });

  it('breaks a cycle at the references of the table whose name sorts first, and reports them', () => {
    const order = foreignKeyOrder(
      ['b', 'a', 'c'],
      [
        { from: 'a', to: 'b', name: 'a_b' },
        { from: 'b', to: 'a', name: 'b_a' },
        { from: 'c', to: 'a', name: 'c_a' },
      ],
    );
    expect(order).toEqual({ order: ['a', 'b', 'c'], broken: [{ from: 'a', to: 'b', name: 'a_b' }] });
  });
});
