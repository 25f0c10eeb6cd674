import type { JSONSchema } from '@backflow/flow-model';
import type { ValidateFunction } from 'ajv';
import type { Context, Hono } from 'hono';
import { BackflowError } from '../errors.ts';
import { createAjv, toErrorDetails } from '../flow/ajv.ts';
import { nestingIssue } from '../flow/nesting.ts';

export type Method = 'get' | 'post' | 'put' | 'delete';

export interface ResponseSpec {
  description: string;
  schema?: JSONSchema;
  /** Defaults to application/json. */
  contentType?: string;
}

/** One API operation: the route, its documented schemas, and the handler that gets the validated body. */
export interface RouteSpec<Body = any, Query = any> {
  method: Method;
  /** Hono path, e.g. `/api/flows/:id`. */
  path: string;
  summary: string;
  tag: string;
  body?: JSONSchema;
  /** Query parameters as an object schema (every property a string). */
  query?: JSONSchema;
  responses: Record<number, ResponseSpec>;
  handler(c: Context, input: { body: Body; query: Query }): Response | Promise<Response>;
}

/** A request body or query that does not match the route's schema. */
export class RequestInvalidError extends BackflowError {
  constructor(where: 'body' | 'query', details: { path: string; message: string }[]) {
    super(
      'request_invalid',
      `the request ${where} is invalid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      {
        details,
      },
    );
  }
}

/**
 * Registers routes on a Hono app and keeps their specs, so request validation (ajv) and the
 * OpenAPI document come from the same schemas.
 */
export class ApiRoutes {
  readonly specs: RouteSpec[] = [];
  private readonly ajv = createAjv({ useDefaults: false });

  constructor(private readonly app: Hono) {}

  add<Body = any, Query = any>(spec: RouteSpec<Body, Query>): void {
    this.specs.push(spec);
    const validateBody = spec.body ? this.ajv.compile(spec.body) : undefined;
    const validateQuery = spec.query ? this.ajv.compile(spec.query) : undefined;
    this.app.on(spec.method.toUpperCase(), spec.path, async (c) => {
      const body = validateBody ? await readBody(c, validateBody) : undefined;
      const query = validateQuery ? checked('query', validateQuery, { ...c.req.query() }) : undefined;
      return spec.handler(c, { body: body as Body, query: query as Query });
    });
  }
}

async function readBody(c: Context, validate: ValidateFunction): Promise<unknown> {
  const text = await c.req.text();
  let body: unknown;
  try {
    body = text.length === 0 ? {} : JSON.parse(text);
  } catch (error) {
    throw new RequestInvalidError('body', [{ path: '', message: `is not valid JSON: ${(error as Error).message}` }]);
  }
  // Before ajv and the handler: both recurse, and a body of any depth parses.
  const tooDeep = nestingIssue(body);
  if (tooDeep) throw new RequestInvalidError('body', [tooDeep]);
  return checked('body', validate, body);
}

function checked(where: 'body' | 'query', validate: ValidateFunction, value: unknown): unknown {
  if (!validate(value)) throw new RequestInvalidError(where, toErrorDetails(validate.errors, ''));
  return value;
}
