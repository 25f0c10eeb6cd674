import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.ts';
import { type Answer, type ServedRequest, startTestServer, type TestServer } from '../../node-kit/http/test-server.ts';
import { testContext } from '../../testing/node-context.ts';
import { openSession } from './session.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A token endpoint issuing `token-1`, `token-2`, … and an instance answering as `instance` says. */
async function org(instance: (request: ServedRequest, token: string) => Answer) {
  let issued = 0;
  const server: TestServer = await startTestServer((request) => {
    if (request.path === '/services/oauth2/token') {
      const form = new URLSearchParams(request.body);
      if (form.get('client_secret') !== 'the-secret-value') {
        return { status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } };
      }
      issued += 1;
      return { status: 200, body: { access_token: `token-${issued}`, instance_url: server.url, token_type: 'Bearer' } };
    }
    return instance(request, String(request.headers.authorization).replace('Bearer ', ''));
  });
  servers.push(server);
  return server;
}

const connection = (server: TestServer, clientSecret = 'the-secret-value') => ({
  loginUrl: server.url,
  clientId: 'client-id',
  clientSecret,
  username: 'admin@example.com',
  password: 'the-password-value',
});

describe('Salesforce session', () => {
  it('logs in with the password grant and requests the instance with the access token', async () => {
    const server = await org((request, token) => ({ status: 200, body: { path: request.path, token } }));
    const session = await openSession(connection(server), testContext('/tmp'));
    expect(await session.request({ path: session.dataPath('/sobjects') })).toEqual({
      path: '/services/data/v59.0/sobjects',
      token: 'token-1',
    });
    const form = new URLSearchParams(server.requests[0]!.body);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'password',
      username: 'admin@example.com',
      password: 'the-password-value',
      client_id: 'client-id',
      client_secret: 'the-secret-value',
    });
  });

  it('uses the client credentials grant without a user', async () => {
    const server = await org(() => ({ status: 200, body: {} }));
    const { username: _u, password: _p, ...client } = connection(server);
    await openSession(client, testContext('/tmp'));
    expect(new URLSearchParams(server.requests[0]!.body).get('grant_type')).toBe('client_credentials');
  });

  it('logs in again once when a session expires (401 INVALID_SESSION_ID), for every request waiting on it', async () => {
    const server = await org((request, token) =>
      token === 'token-1'
        ? { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] }
        : { status: 200, body: { path: request.path, token } },
    );
    const session = await openSession(connection(server), testContext('/tmp'));
    const answers = await Promise.all([
      session.request({ path: '/a' }),
      session.request({ path: '/b' }),
      session.request({ path: '/c' }),
    ]);
    expect(answers).toEqual([
      { path: '/a', token: 'token-2' },
      { path: '/b', token: 'token-2' },
      { path: '/c', token: 'token-2' },
    ]);
    expect(server.requests.filter((request) => request.path === '/services/oauth2/token')).toHaveLength(2);
  });

  it('refuses a wrong client secret with a ConfigError quoting the OAuth error, never a secret', async () => {
    const server = await org(() => ({ status: 200, body: {} }));
    const error = await openSession(connection(server, 'wrong-secret-value'), testContext('/tmp')).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('invalid_client (invalid client credentials)');
    expect(error.message).toContain('user admin@example.com');
    expect(JSON.stringify({ message: error.message, stack: error.stack, cause: String(error.cause) })).not.toMatch(
      /wrong-secret-value|the-password-value/,
    );
  });
});
