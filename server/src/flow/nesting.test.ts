import { describe, expect, it } from 'vitest';
import { maxNestingDepth, nestingIssue } from './nesting.ts';

/** `levels` arrays, one inside the other, around `inner`. */
function arrays(levels: number, inner: unknown = 1): unknown {
  let value = inner;
  for (let level = 0; level < levels; level++) value = [value];
  return value;
}

const message = `nesting deeper than ${maxNestingDepth} levels`;

describe('nestingIssue', () => {
  it('accepts 64 levels of objects and arrays, and scalars at any place', () => {
    expect(maxNestingDepth).toBe(64);
    expect(nestingIssue(arrays(64))).toBeUndefined();
    expect(nestingIssue(arrays(63, { a: null, b: 'text', c: 12345678901234567890n }))).toBeUndefined();
    for (const scalar of [null, 0, '', 'x'.repeat(10_000), true]) expect(nestingIssue(scalar)).toBeUndefined();
  });

  it('refuses the 65th level at its path, cut after 8 segments', () => {
    expect(nestingIssue(arrays(65))).toEqual({ path: '[0][0][0][0][0][0][0][0]…', message });
    expect(nestingIssue({ flow: arrays(64) }, 'body')).toEqual({ path: 'body.flow[0][0][0][0][0][0][0]…', message });
  });

  it('names the first deep branch in document order, with odd keys quoted', () => {
    const deep = (key: string) => ({ [key]: { 'with space': { 7: arrays(62) } } });
    const value = { shallow: [1, [2]], 'first-deep': deep('x'), second: deep('y') };
    expect(nestingIssue(value)).toEqual({ path: '["first-deep"].x["with space"][7][0][0][0][0]…', message });
  });

  it('walks a million levels (what JSON.parse returns for 2 MB of brackets) without recursing', () => {
    const parsed = JSON.parse(`${'['.repeat(1e6)}${']'.repeat(1e6)}`);
    expect(nestingIssue(parsed)).toEqual({ path: '[0][0][0][0][0][0][0][0]…', message });
  });
});
