import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FaultSchedule, FaultScheduler } from '../fault-kit.ts';
import { isJsonObject, listen, readText, sendText } from '../http-kit.ts';
import { type Receipt, Receipts, type StoredAnswer } from './receipts.ts';
import { signatureMatches } from './signature.ts';

/**
 * Failures and slowness the sandbox injects, deterministic like the other sandboxes' (see
 * fault-kit.ts). Live: POST JSON to `/__sandbox/faults` to change them while it runs.
 * A dropped connection keeps the delivery and loses the answer on its way back, which is what an
 * idempotency key is for: the retry with the same key is answered from the stored answer.
 */
export interface WebhookFaults extends FaultSchedule {
  /** Every answer waits this long first (issue 17's bench uses 50 ms). */
  delayMs?: number;
}

export interface WebhookSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** When set, every delivery must carry a valid signature, else 401. */
  secret?: string;
  /** Default `X-Backflow-Signature`. */
  signatureHeader?: string;
  /** Default `X-Backflow-Timestamp`. */
  timestampHeader?: string;
  /** Bodies longer than this are refused with 413 Payload Too Large; default 1 MiB. */
  maxBodyBytes?: number;
  faults?: WebhookFaults;
}

export interface WebhookStats {
  /** Deliveries answered or dropped (not `/__sandbox/*`). */
  requests: number;
  /** Deliveries kept (once per idempotency key). */
  received: number;
  /** Deliveries of a key already kept, answered with its stored answer. */
  repeated: number;
  /** Deliveries refused with a 4xx (bad signature, too large, not JSON). */
  refused: number;
  /** Injected faults. */
  errors5xx: number;
  rejected429: number;
  dropped: number;
}

export interface WebhookSandbox {
  /** `http://127.0.0.1:<port>`; any path under it is an endpoint. */
  url: string;
  close(): Promise<void>;
  stats(): WebhookStats;
  /** What was kept, in arrival order. */
  received(): Receipt[];
  faults: WebhookFaults;
}

const host = '127.0.0.1';
/** Beyond `maxBodyBytes` the body is still read (an early answer would cut the upload) up to this. */
const readLimit = 64 * 1024 * 1024;

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendText(res, status, JSON.stringify(body), 'application/json; charset=utf-8', headers);
}

/**
 * Starts a local webhook receiver: any POST of JSON is a delivery, checked (signature, size),
 * deduplicated by `Idempotency-Key` and kept for `GET /__sandbox/received`.
 */
export async function startWebhookSandbox(options: WebhookSandboxOptions = {}): Promise<WebhookSandbox> {
  const signatureHeader = (options.signatureHeader ?? 'X-Backflow-Signature').toLowerCase();
  const timestampHeader = (options.timestampHeader ?? 'X-Backflow-Timestamp').toLowerCase();
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const receipts = new Receipts();
  const scheduler = new FaultScheduler<WebhookFaults>({ ...options.faults }, (key, value) =>
    key === 'delayMs' ? Number.isSafeInteger(value) && (value as number) >= 0 : undefined,
  );
  const stats: WebhookStats = {
    requests: 0,
    received: 0,
    repeated: 0,
    refused: 0,
    errors5xx: 0,
    rejected429: 0,
    dropped: 0,
  };

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /__sandbox/stats') return sendJson(res, 200, stats);
    if (route === 'GET /__sandbox/faults') return sendJson(res, 200, scheduler.options);
    if (route === 'POST /__sandbox/faults') {
      const patch = JSON.parse((await readText(req, readLimit, () => new Refusal(413, 'too large'))) || '{}');
      if (!isJsonObject(patch)) throw new Refusal(400, 'faults must be a JSON object');
      try {
        return sendJson(res, 200, scheduler.update(patch));
      } catch (error) {
        throw new Refusal(400, (error as Error).message);
      }
    }
    if (route === 'GET /__sandbox/received') {
      const path = url.searchParams.get('path');
      return sendJson(res, 200, {
        received: receipts.list.filter((receipt) => path === null || receipt.path === path),
      });
    }
    if (route === 'DELETE /__sandbox/received') {
      receipts.clear();
      return sendJson(res, 200, { received: [] });
    }
    throw new Refusal(404, `No sandbox endpoint ${route}`);
  }

  /** Checks a delivery and keeps it; throws a `Refusal` for what a receiver refuses. */
  function accept(req: IncomingMessage, url: URL, text: string, key: string | undefined): StoredAnswer {
    const timestamp = header(req, timestampHeader);
    if (
      options.secret !== undefined &&
      !signatureMatches(options.secret, timestamp, text, header(req, signatureHeader))
    )
      throw new Refusal(401, `invalid or missing ${options.signatureHeader ?? 'X-Backflow-Signature'}`);
    const size = Buffer.byteLength(text);
    if (size > maxBodyBytes)
      throw new Refusal(413, `the body has ${size} bytes; this endpoint takes ${maxBodyBytes} at most`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new Refusal(400, `the body is not JSON: ${(error as Error).message}`);
    }
    const records = isJsonObject(body) && Array.isArray(body.records) ? body.records.length : undefined;
    const answer = { status: 200, body: { ok: true, ...(records === undefined ? {} : { records }) } };
    receipts.keep(
      {
        path: url.pathname,
        ...(key === undefined ? {} : { idempotencyKey: key }),
        ...(timestamp === undefined ? {} : { timestamp }),
        verified: options.secret !== undefined,
        body,
        receivedAt: new Date().toISOString(),
      },
      answer,
    );
    stats.received++;
    return answer;
  }

  async function deliver(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') throw new Refusal(405, `${req.method} is not a delivery; POST JSON`);
    stats.requests++;
    const text = await readText(req, readLimit, () => new Refusal(413, `the body passes ${readLimit} bytes`));
    const fault = scheduler.next();
    if (scheduler.options.delayMs) await sleep(scheduler.options.delayMs);
    if (fault?.kind === 'error') {
      stats.errors5xx++;
      return sendJson(res, fault.status, { error: 'the sandbox injected a server error' });
    }
    if (fault?.kind === 'tooMany') {
      stats.rejected429++;
      return sendJson(res, 429, { error: 'too many requests' }, { 'Retry-After': String(fault.retryAfterSeconds) });
    }
    const key = header(req, 'idempotency-key');
    const stored = receipts.answerFor(key);
    let answer: StoredAnswer;
    if (stored) {
      stats.repeated++;
      answer = stored;
    } else {
      answer = accept(req, url, text, key);
    }
    if (fault?.kind === 'drop') {
      stats.dropped++;
      req.socket.destroy();
      return;
    }
    sendJson(res, answer.status, answer.body, stored ? { 'Idempotent-Replayed': 'true' } : {});
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', `http://${host}`);
      if (url.pathname.startsWith('/__sandbox/')) return await admin(req, res, url);
      await deliver(req, res, url);
    } catch (error) {
      if (res.headersSent || res.destroyed) return void res.destroy();
      if (!(error instanceof Refusal)) console.error('webhook sandbox:', error);
      const refusal = error instanceof Refusal ? error : new Refusal(500, (error as Error).message);
      if (refusal.status < 500 && !req.url?.startsWith('/__sandbox/')) stats.refused++;
      sendJson(res, refusal.status, { error: refusal.message });
    }
  }

  const { url, close } = await listen(serve, host, options.port);
  return {
    url,
    close,
    stats: () => ({ ...stats }),
    received: () => [...receipts.list],
    faults: scheduler.options,
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
