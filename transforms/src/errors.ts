/**
 * The one error class of this package. `code` is stable (callers and the API branch on it); the
 * message is for people and already names the place (`line 17: …`, `column 14`).
 */
export type TransformErrorCode = 'config_invalid' | 'schema_invalid' | 'expression_invalid';

export interface TransformErrorContext {
  /** Field or JSON pointer the problem is at, e.g. `rename.email` or `/address/city`. */
  path?: string;
  /** 1-based line of an input file. */
  line?: number;
  /** 1-based column of an expression. */
  column?: number;
  cause?: unknown;
}

export class TransformError extends Error {
  readonly code: TransformErrorCode;
  readonly path?: string;
  readonly line?: number;
  readonly column?: number;

  constructor(code: TransformErrorCode, message: string, context: TransformErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'TransformError';
    this.code = code;
    this.path = context.path;
    this.line = context.line;
    this.column = context.column;
  }
}
