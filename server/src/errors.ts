/**
 * Typed errors. Each has a stable `code`, a message a user can act on, and context (node id,
 * stream, record index or file + line, cause). They cross the API as `{ error: { code, message, details } }`.
 */
import { describeIssue } from '@backflow/flow-model';

export interface ErrorDetail {
  /** JSON path or location the problem is at, e.g. `nodes[2].config.query` or `orders.csv:17`. */
  path?: string;
  message: string;
}

export interface ErrorContext {
  nodeId?: string;
  stream?: string;
  recordIndex?: number;
  file?: string;
  line?: number;
  details?: ErrorDetail[];
  cause?: unknown;
}

export class BackflowError extends Error {
  readonly code: string;
  readonly context: ErrorContext;

  constructor(code: string, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }

  get details(): ErrorDetail[] {
    return this.context.details ?? [];
  }

  toJSON(): { code: string; message: string; details: ErrorDetail[]; nodeId?: string } {
    return {
      code: this.code,
      message: this.message,
      details: this.details,
      ...(this.context.nodeId ? { nodeId: this.context.nodeId } : {}),
    };
  }
}

/** An issue of a flow: where it is (a JSON path) and, when it is in a node, which node. */
export interface FlowIssueDetail extends ErrorDetail {
  nodeId?: string;
}

/** The flow document or a node config is invalid; nothing ran. */
export class FlowValidationError extends BackflowError {
  constructor(details: FlowIssueDetail[]) {
    super('flow_invalid', `flow is invalid:\n${details.map((d) => `  ${describeIssue(d)}`).join('\n')}`, {
      details,
    });
  }
}

/** A node's config cannot be used (missing file, bad query, unknown table). */
export class ConfigError extends BackflowError {
  constructor(message: string, context: ErrorContext = {}) {
    super('config_invalid', message, context);
  }
}

/** Reading from a source failed. */
export class SourceError extends BackflowError {
  constructor(message: string, context: ErrorContext = {}) {
    super('source_failed', message, context);
  }
}

/** Writing to a destination failed. */
export class DestinationError extends BackflowError {
  constructor(message: string, context: ErrorContext = {}) {
    super('destination_failed', message, context);
  }
}

/** Read ≠ written + rejected + filtered for some node: records were lost or duplicated. */
export class ReconciliationError extends BackflowError {
  constructor(details: ErrorDetail[]) {
    super('reconciliation_failed', `record counts do not reconcile: ${details.map((d) => d.message).join('; ')}`, {
      details,
    });
  }
}

/** A resume was asked with a flow that differs from the one its run started with. */
export class FlowChangedError extends BackflowError {
  constructor(runId: string, changes: string[]) {
    super(
      'flow_changed',
      `cannot resume run ${runId}: the flow changed since it started (${changes.join('; ')}). ` +
        'Its checkpoints and the parts it wrote belong to the flow as it was: put that version back to resume, ' +
        'or run the changed flow anew (without --resume).',
      { details: changes.map((message) => ({ path: 'flow', message })) },
    );
  }
}

/** The run was cancelled by a user or a signal. */
export class CancelledError extends BackflowError {
  constructor() {
    super('cancelled', 'the run was cancelled');
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A migration's verification found the destination differs from what it received; nothing was published. */
export class VerificationError extends BackflowError {
  constructor(message: string, context: ErrorContext = {}) {
    super('verification_failed', message, context);
  }
}
