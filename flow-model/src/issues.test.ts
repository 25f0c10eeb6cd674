import { describe, expect, it } from 'vitest';
import { describeIssue } from './issues.ts';

describe('describeIssue', () => {
  it('names the node instead of its array position, and reads "is/must/has" as a sentence', () => {
    expect(describeIssue({ path: 'nodes[0].config.path', message: 'required', nodeId: 'orders' })).toBe(
      'orders: path is required',
    );
    expect(describeIssue({ path: 'nodes[2].config.keepLast', message: 'must be >= 1', nodeId: 'archive' })).toBe(
      'archive: keepLast must be >= 1',
    );
    expect(describeIssue({ path: 'nodes[1].connection', message: 'no stored connection', nodeId: 'db' })).toBe(
      'db: connection: no stored connection',
    );
    expect(describeIssue({ path: 'nodes[3]', message: 'input "records" is not connected', nodeId: 'sink' })).toBe(
      'sink: input "records" is not connected',
    );
  });

  it('keeps the path of an issue outside a node, and the bare message of one without a path', () => {
    expect(describeIssue({ path: 'edges', message: 'the edges form a cycle through: a → b' })).toBe(
      'edges: the edges form a cycle through: a → b',
    );
    expect(describeIssue({ path: '', message: 'a flow needs at least one node' })).toBe(
      'a flow needs at least one node',
    );
  });
});
