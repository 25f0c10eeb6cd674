import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../errors.ts';
import { createHttpApi, type HttpApiOptions, type HttpAuth, type HttpRetry } from './api.ts';
import { HttpApiError } from './http-api-error.ts';
import { type Answer, type ServedRequest, startTestServer, type TestServer } from './test-server.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(answer: (request: ServedRequest, index: number) => Answer): Promise<TestServer> {
  const server = await startTestServer(answer);
  servers.push(server);
  return server;
}

const fast = { retries: 3, minTimeoutMs: 5, maxTimeoutMs: 20 };

function api(server: TestServer, options: Partial<HttpApiOptions> = {}) {
  return createHttpApi({ baseUrl: server.url, retry: fast, ...options });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('the request succeeded'),
    (error: unknown) => error,
  );
}

describe('createHttpApi', () => {
  it('sends the body as JSON and the query encoded, and returns the parsed answer', async () => {
    const server = await serve((request, index) =>
      index === 0 ? { status: 200, body: { echo: JSON.parse(request.body) } } : { status: 204 },
    );
    const client = api(server, { baseUrl: `${server.url}/v4/`, headers: { 'x-client': 'backflow' } });
    const body = { name: 'Zoë "quoted"\nline', n: '90071992547409931', nested: [null, { x: 1 }] };
    const answer = await client.request<{ echo: unknown }>({
      method: 'POST',
      path: '/items/a b',
      query: { q: 'x&y=z', tag: ['a', 'b'], skip: undefined, none: null, n: 1 },
      body,
    });
    expect(answer).toEqual({ echo: body });
    expect(await client.request({ method: 'DELETE', path: 'items/1' })).toBeUndefined();
    const [first, second] = server.requests;
    expect(first).toMatchObject({ method: 'POST', path: '/v4/items/a%20b' });
    expect([...first!.query]).toEqual([
      ['q', 'x&y=z'],
      ['tag', 'a'],
      ['tag', 'b'],
      ['n', '1'],
    ]);
    expect(first!.headers).toMatchObject({ 'content-type': 'application/json', 'x-client': 'backflow' });
    expect(second).toMatchObject({ method: 'DELETE', path: '/v4/items/1', body: '' });
  });

  it('waits as long as a 429 Retry-After says, then succeeds; other clients of the API pause with it', async () => {
    const server = await serve((request, index) =>
      index === 0
        ? { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' }
        : { status: 200, body: { path: request.path } },
    );
    const auth: HttpAuth = { bearer: 'shared-token' };
    const other = api(server, { auth });
    let otherAnswer: Promise<unknown> | undefined;
    const retries: HttpRetry[] = [];
    const client = api(server, {
      auth,
      onRetry: (retry) => {
        retries.push(retry);
        otherAnswer = other.request({ path: '/other' });
      },
    });
    expect(await client.request({ path: '/limited' })).toEqual({ path: '/limited' });
    expect(await otherAnswer).toEqual({ path: '/other' });
    expect(retries).toEqual([
      { method: 'GET', path: '/limited', attempt: 1, status: 429, code: 'http_status', waitMs: 1000 },
    ]);
    const [limited, ...after] = server.requests;
    expect(after.map((r) => r.path).sort()).toEqual(['/limited', '/other']);
    for (const request of after) expect(request.at - limited!.at).toBeGreaterThanOrEqual(950);
  });

  it('shortens the Retry-After wait by BACKFLOW_RETRY_DELAY_SCALE, and still fails on a wait past maxWaitMs', async () => {
    const server = await serve((request, index) =>
      index === 0
        ? { status: 429, headers: { 'retry-after': '2' }, body: 'slow down' }
        : request.path === '/day'
          ? { status: 429, headers: { 'retry-after': '86400' }, body: 'come back tomorrow' }
          : { status: 200, body: {} },
    );
    const retries: HttpRetry[] = [];
    const saved = process.env.BACKFLOW_RETRY_DELAY_SCALE;
    process.env.BACKFLOW_RETRY_DELAY_SCALE = '0.01';
    try {
      const client = api(server, { onRetry: (retry) => retries.push(retry) });
      expect(await client.request({ path: '/limited' })).toEqual({});
      expect(retries.map((retry) => retry.waitMs)).toEqual([20]);
      const error = await failure(client.request({ path: '/day' }));
      expect(error).toMatchObject({ code: 'http_rate_limited', retryAfterMs: 86_400_000 });
    } finally {
      if (saved === undefined) delete process.env.BACKFLOW_RETRY_DELAY_SCALE;
      else process.env.BACKFLOW_RETRY_DELAY_SCALE = saved;
    }
  });

  it('sends a raw body as it is and returns a text answer with its status and headers', async () => {
    const server = await serve((request) => ({
      status: 200,
      headers: { 'content-type': 'text/csv', 'sforce-locator': 'MTAwMDA' },
      body: `echo:${request.headers['content-type']}:${request.body}`,
    }));
    const csv = 'Id,Name\n1,"Zoë ""quoted"", two\nlines"\n';
    const answer = await api(server).requestText({
      method: 'PUT',
      path: '/jobs/1/batches',
      rawBody: csv,
      headers: { 'content-type': 'text/csv', accept: 'text/csv' },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('sforce-locator')).toBe('MTAwMDA');
    expect(answer.text).toBe(`echo:text/csv:${csv}`);
    expect(server.requests[0]!.headers.accept).toBe('text/csv');
  });

  it('keys the limiter by limiterCredential: clients sending different tokens of one credential pause together', async () => {
    const server = await serve((request, index) =>
      index === 0
        ? { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' }
        : { status: 200, body: { auth: request.headers.authorization } },
    );
    const other = api(server, { auth: { bearer: 'second-token' }, limiterCredential: 'client-a' });
    let otherAnswer: Promise<unknown> | undefined;
    const client = api(server, {
      auth: { bearer: 'first-token' },
      limiterCredential: 'client-a',
      onRetry: () => {
        otherAnswer = other.request({ path: '/other' });
      },
    });
    expect(await client.request({ path: '/limited' })).toEqual({ auth: 'Bearer first-token' });
    expect(await otherAnswer).toEqual({ auth: 'Bearer second-token' });
    const [limited, ...after] = server.requests;
    for (const request of after) expect(request.at - limited!.at).toBeGreaterThanOrEqual(950);
  });

  it('retries 503 twice, then returns the answer of the third attempt', async () => {
    const server = await serve((_, index) => (index < 2 ? { status: 503, body: 'busy' } : { status: 200, body: [1] }));
    const retries: HttpRetry[] = [];
    const answer = await api(server, { onRetry: (retry) => retries.push(retry) }).request({ path: '/x' });
    expect(answer).toEqual([1]);
    expect(server.requests).toHaveLength(3);
    expect(retries.map(({ attempt, status, code }) => ({ attempt, status, code }))).toEqual([
      { attempt: 1, status: 503, code: 'http_status' },
      { attempt: 2, status: 503, code: 'http_status' },
    ]);
    for (const retry of retries) expect(retry.waitMs).toBeLessThanOrEqual(fast.maxTimeoutMs);
  });

  it('retries a 408 Request Timeout like a 5xx', async () => {
    const server = await serve((_, index) =>
      index === 0 ? { status: 408, body: 'slow' } : { status: 200, body: [2] },
    );
    expect(await api(server).request({ path: '/x' })).toEqual([2]);
    expect(server.requests).toHaveLength(2);
  });

  it('retries a dropped connection as a network error', async () => {
    const server = await serve((_, index) => (index === 0 ? { drop: true } : { status: 200, body: { ok: true } }));
    const retries: HttpRetry[] = [];
    expect(await api(server, { onRetry: (r) => retries.push(r) }).request({ path: '/x' })).toEqual({ ok: true });
    expect(retries.map((r) => [r.attempt, r.code, r.status])).toEqual([[1, 'http_network', undefined]]);
  });

  it('does not retry a 400; the error carries status, method, path without query, and a body excerpt', async () => {
    const detail = { message: 'Property "email" is invalid', context: 'x'.repeat(1000) };
    const server = await serve(() => ({ status: 400, body: detail }));
    const error = await failure(
      api(server).request({ method: 'POST', path: '/contacts?dryRun=1', query: { archived: true }, body: {} }),
    );
    expect(error).toBeInstanceOf(HttpApiError);
    const { code, status, method, path, attempts, bodyExcerpt, message } = error as HttpApiError;
    expect({ code, status, method, path, attempts }).toEqual({
      code: 'http_status',
      status: 400,
      method: 'POST',
      path: '/contacts',
      attempts: 1,
    });
    expect(bodyExcerpt).toContain('Property \\"email\\" is invalid');
    expect(bodyExcerpt!.length).toBeLessThanOrEqual(300);
    expect(message).toMatch(/^127\.0\.0\.1:\d+: POST \/contacts answered 400 Bad Request: \{"message":"Property/);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.query.get('archived')).toBe('true');
  });

  it('gives up after the retries with http_retries_exhausted, the attempt count and the last failure as cause', async () => {
    const server = await serve(() => ({ status: 502, body: 'bad gateway' }));
    const error = (await failure(
      api(server, { retry: { ...fast, retries: 2 } }).request({ path: '/x' }),
    )) as HttpApiError;
    expect(error).toBeInstanceOf(HttpApiError);
    expect(error).toMatchObject({
      code: 'http_retries_exhausted',
      status: 502,
      attempts: 3,
      bodyExcerpt: 'bad gateway',
    });
    expect(error.message).toMatch(
      /GET \/x still failing after 3 attempts; the last answered 502 Bad Gateway: bad gateway$/,
    );
    expect(error.cause).toBeInstanceOf(HttpApiError);
    expect((error.cause as HttpApiError).code).toBe('http_status');
    expect(server.requests).toHaveLength(3);
  });

  it('gives up on a server that is not there with the network failure as cause', async () => {
    const server = await serve(() => ({ status: 200 }));
    await server.close();
    const error = (await failure(
      api(server, { retry: { ...fast, retries: 1 } }).request({ path: '/x' }),
    )) as HttpApiError;
    expect(error).toMatchObject({ code: 'http_retries_exhausted', attempts: 2, status: undefined });
    expect((error.cause as HttpApiError).code).toBe('http_network');
    expect(error.message).toMatch(/the last failed: .*ECONNREFUSED/);
  });

  it('counts an attempt that gets no answer within timeoutMs as a network failure', async () => {
    const server = await serve(() => ({ hang: true }));
    const client = api(server, { timeoutMs: 100, retry: { ...fast, retries: 1 } });
    const error = (await failure(client.request({ path: '/slow' }))) as HttpApiError;
    expect(error).toMatchObject({ code: 'http_retries_exhausted', attempts: 2 });
    expect(error.message).toMatch(
      /GET \/slow still failing after 2 attempts; the last failed: no answer within 100 ms$/,
    );
    expect(server.requests).toHaveLength(2);
  });

  it('fails at once when the server asks for a longer wait than maxWaitMs', async () => {
    const server = await serve(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    const error = (await failure(
      api(server, { retry: { ...fast, maxWaitMs: 60_000 } }).request({ path: '/x' }),
    )) as HttpApiError;
    expect(error).toMatchObject({ code: 'http_rate_limited', status: 429, retryAfterMs: 3_600_000, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it('fails with http_invalid_response when a success is not JSON', async () => {
    const server = await serve(() => ({ status: 200, body: '<html>oops</html>' }));
    const error = await failure(api(server).request({ path: '/x' }));
    expect(error).toMatchObject({ code: 'http_invalid_response', status: 200, bodyExcerpt: '<html>oops</html>' });
  });

  it('rejects at once with CancelledError when the run is cancelled during a Retry-After wait', async () => {
    const server = await serve(() => ({ status: 429, headers: { 'retry-after': '30' } }));
    const controller = new AbortController();
    const options = { signal: controller.signal, auth: { bearer: 'cancel-test' } };
    const queued: Promise<unknown>[] = [];
    const started = performance.now();
    const request = api(server, {
      ...options,
      onRetry: () => {
        queued.push(api(server, options).request({ path: '/queued' })); // held by the shared pause
        setTimeout(() => controller.abort(), 20);
      },
    }).request({ path: '/x' });
    await expect(request).rejects.toBeInstanceOf(CancelledError);
    expect(queued).toHaveLength(1);
    await expect(queued[0]).rejects.toBeInstanceOf(CancelledError);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(server.requests.map((r) => r.path)).toEqual(['/x']);
  });

  it('rejects at once with CancelledError when cancelled while the server has not answered', async () => {
    const server = await serve(() => ({ hang: true }));
    const controller = new AbortController();
    const request = api(server).request({ path: '/x', signal: controller.signal });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(request).rejects.toBeInstanceOf(CancelledError);
  });

  it('keeps at most 3 requests in any 400 ms window and 2 in flight, across clients of one API and credential', async () => {
    const server = await serve(() => ({ status: 200, body: {}, delayMs: 20 }));
    const options = {
      auth: { header: 'x-api-key', value: 'k-123' },
      limits: { requestsPerInterval: 3, intervalMs: 400, concurrency: 2 },
    };
    const clients = [api(server, options), api(server, options)];
    await Promise.all(Array.from({ length: 8 }, (_, i) => clients[i % 2]!.request({ path: `/r${i}` })));
    const times = server.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(times).toHaveLength(8);
    // Request i and request i + 3 cannot share a window: allow 100 ms for a loaded machine.
    for (let i = 0; i + 3 < times.length; i++) expect(times[i + 3]! - times[i]!).toBeGreaterThanOrEqual(300);
    expect(server.maxInFlight).toBeLessThanOrEqual(2);
  });
  it('counts a request in the window until the window after it ended, so slow answers cannot crowd a window', async () => {
    // Each answer takes 250 ms: counted from their starts alone, requests 1 and 3 could start 300 ms
    // apart and be handled 300 ms apart; counted to their ends, 3 starts 300 ms after 1 ended.
    const server = await serve(() => ({ status: 200, body: {}, delayMs: 250 }));
    const client = api(server, { limits: { requestsPerInterval: 2, intervalMs: 300, concurrency: 2 } });
    await Promise.all(Array.from({ length: 4 }, (_, i) => client.request({ path: `/slow${i}` })));
    const times = server.requests.map((r) => r.at).sort((a, b) => a - b);
    for (let i = 0; i + 2 < times.length; i++) expect(times[i + 2]! - times[i]!).toBeGreaterThanOrEqual(250 + 300 - 5);
  });
});

describe('API-specific rate limits', () => {
  it('serverWait reads the wait from the answer body, and a wait past maxWaitMs fails at once', async () => {
    const server = await serve((_request, index) =>
      index === 0
        ? { status: 429, body: { policyName: 'SHORT' } }
        : index === 1
          ? { status: 200, body: { ok: 1 } }
          : { status: 429, body: { policyName: 'LONG' } },
    );
    const seen: { status: number; body: string }[] = [];
    const retries: HttpRetry[] = [];
    const client = api(server, {
      retry: { ...fast, maxWaitMs: 1000 },
      serverWait: ({ status, body }) => {
        seen.push({ status, body });
        return (JSON.parse(body) as { policyName: string }).policyName === 'SHORT' ? 30 : 86_400_000;
      },
      onRetry: (retry) => retries.push(retry),
    });
    expect(await client.request({ path: '/a' })).toEqual({ ok: 1 });
    expect(retries.map((r) => r.waitMs >= 30)).toEqual([true]);
    const error = (await failure(client.request({ path: '/b' }))) as HttpApiError;
    expect(error).toMatchObject({ code: 'http_rate_limited', retryAfterMs: 86_400_000 });
    expect(server.requests).toHaveLength(3);
    expect(seen.map((s) => s.status)).toEqual([429, 429]);
  });

  it('a limiterScope is a budget of its own: a full main budget does not hold it', async () => {
    const server = await serve((request) => (request.path === '/hung' ? { hang: true } : { status: 200, body: {} }));
    const auth: HttpAuth = { bearer: 'scoped-token' };
    const main = api(server, { auth, limits: { concurrency: 1 } });
    const search = api(server, { auth, limits: { concurrency: 1 }, limiterScope: 'search' });
    const stop = new AbortController();
    const hung = failure(main.request({ path: '/hung', signal: stop.signal }));
    const queued = main.request({ path: '/queued' });
    await search.request({ path: '/search' });
    expect(server.requests.map((r) => r.path)).not.toContain('/queued');
    stop.abort();
    expect(await hung).toBeInstanceOf(CancelledError);
    await queued;
    expect(server.requests.map((r) => r.path).sort()).toEqual(['/hung', '/queued', '/search']);
  });
});

describe('secrets', () => {
  const basic = Buffer.from('me:p@ss w0rd!').toString('base64');
  // name, credential, the secret, how the request carries it
  const auths: [string, HttpAuth, string, string][] = [
    [
      'bearer token',
      { bearer: 'sk_live_bearer/secret+1' },
      'sk_live_bearer/secret+1',
      'Bearer sk_live_bearer/secret+1',
    ],
    ['basic password', { basic: { username: 'me', password: 'p@ss w0rd!' } }, 'p@ss w0rd!', `Basic ${basic}`],
    ['key in a header', { header: 'x-api-key', value: 'key-in-header-42' }, 'key-in-header-42', 'key-in-header-42'],
    ['key in the query', { queryParam: 'hapikey', value: 'key-in-query-42' }, 'key-in-query-42', 'key-in-query-42'],
  ];

  it.each(auths)('a %s never appears in errors, even when the API echoes it', async (_, auth, secret, sent) => {
    const echo = (request: ServedRequest) =>
      JSON.stringify({ headers: request.headers, query: request.query.toString(), url: request.path });
    const server = await serve((request, index) => ({ status: index === 0 ? 401 : 500, body: echo(request) }));
    const client = api(server, { auth, retry: { ...fast, retries: 1 } });
    const query = { access_token: ['query-token-77'], page: '2' };
    const errors = [
      await failure(client.request({ path: '/me', query })),
      await failure(client.request({ path: '/me', query })),
    ] as HttpApiError[];
    expect(errors.map((e) => e.code)).toEqual(['http_status', 'http_retries_exhausted']);
    const received = JSON.stringify(server.requests.map((r) => [r.headers, r.query.toString()]));
    expect(received).toContain(encodeURIComponent('query-token-77'));
    expect(received).toContain(sent);
    for (const error of [...errors, errors[1]!.cause as HttpApiError]) {
      const shown = [error.message, error.stack, error.bodyExcerpt, error.path, JSON.stringify(error.toJSON())].join(
        '\n',
      );
      expect(shown).toContain('[redacted]');
      for (const leak of [secret, encodeURIComponent(secret), basic, 'query-token-77']) {
        expect(shown).not.toContain(leak);
      }
      expect(error.path).toBe('/me');
    }
  });

  it('a credential fetch refuses to send is not retried nor quoted', async () => {
    const server = await serve(() => ({ status: 200, body: {} }));
    const client = api(server, { auth: { bearer: 'line\nbreak-secret' } });
    const error = (await failure(client.request({ path: '/me' }))) as HttpApiError;
    expect(error).toMatchObject({ code: 'http_invalid_request', attempts: 1 });
    expect(error.cause).toBeUndefined();
    expect(error.message).toContain('[redacted]');
    expect(error.message).not.toContain('break-secret');
    expect(server.requests).toHaveLength(0);
  });
});
