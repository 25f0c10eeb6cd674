import { describe, expect, it } from 'vitest';
import { TransformError } from './errors.ts';

describe('TransformError', () => {
  it('carries a stable code, the message and the context it was given', () => {
    const cause = new Error('inner');
    const error = new TransformError('config_invalid', 'rename.a: "b" is used twice', { path: 'rename.a', cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TransformError');
    expect(error.code).toBe('config_invalid');
    expect(error.message).toBe('rename.a: "b" is used twice');
    expect(error.path).toBe('rename.a');
    expect(error.cause).toBe(cause);
    expect(error.line).toBeUndefined();
    expect(error.column).toBeUndefined();
  });

  it('keeps line and column for errors that point into text', () => {
    const error = new TransformError('expression_invalid', "expected ')' at column 14", { column: 14, line: 1 });
    expect(error.column).toBe(14);
    expect(error.line).toBe(1);
    expect(error.path).toBeUndefined();
  });
});
