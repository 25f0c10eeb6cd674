import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SalesforceError } from './errors.ts';
import { readText, type Session, sendJson, sendText } from './http.ts';

export interface ClientCredential {
  clientId: string;
  clientSecret: string;
}

export interface UserCredential {
  username: string;
  password: string;
}

/** A login user resolved to its User record id. */
export interface LoginUser extends UserCredential {
  userId: string;
}

/** Access tokens issued by this org. `expireAll` makes every one answer 401, as a timed-out session does. */
export class Sessions {
  readonly #byToken = new Map<string, Session>();

  constructor(readonly orgId: string) {}

  issue(userId: string, clientId: string): Session {
    // Salesforce tokens start with the org id and a `!`.
    const token = `${this.orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    const session = { token, userId, clientId };
    this.#byToken.set(token, session);
    return session;
  }

  /** The session of an `Authorization: Bearer …` (or `OAuth …`) header; 401 INVALID_SESSION_ID otherwise. */
  authenticate(req: IncomingMessage): Session {
    const header = req.headers.authorization ?? '';
    const match = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(header);
    const session = match ? this.#byToken.get(match[1] as string) : undefined;
    if (!session) throw new SalesforceError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    return session;
  }

  expireAll(): number {
    const count = this.#byToken.size;
    this.#byToken.clear();
    return count;
  }
}

interface OAuthFailure {
  status: number;
  error: string;
  description: string;
}

const oauthFailure = (status: number, error: string, description: string): OAuthFailure => ({
  status,
  error,
  description,
});

/**
 * The OAuth 2.0 token endpoint (`POST /services/oauth2/token`) for the `password` and
 * `client_credentials` grants, answering as Salesforce does: the token JSON, or
 * `{ error, error_description }` with 400 (401 for a bad client secret).
 */
export class LoginService {
  constructor(
    readonly sessions: Sessions,
    readonly clients: ClientCredential[],
    readonly users: LoginUser[],
  ) {}

  async token(req: IncomingMessage, res: ServerResponse, origin: string): Promise<void> {
    const form = new URLSearchParams(await readText(req));
    const query = new URL(req.url ?? '/', origin).searchParams;
    const param = (name: string) => form.get(name) ?? query.get(name) ?? undefined;
    const basic = basicCredentials(req);
    const outcome = this.#grant(
      param('grant_type'),
      param('client_id') ?? basic?.clientId,
      param('client_secret') ?? basic?.clientSecret,
      param('username'),
      param('password'),
    );
    if ('error' in outcome) {
      sendJson(res, outcome.status, { error: outcome.error, error_description: outcome.description });
      return;
    }
    const session = this.sessions.issue(outcome.userId, outcome.clientId);
    const issuedAt = String(Date.now());
    sendJson(res, 200, {
      access_token: session.token,
      instance_url: origin,
      id: `${origin}/id/${this.sessions.orgId}/${session.userId}`,
      token_type: 'Bearer',
      issued_at: issuedAt,
      signature: randomBytes(32).toString('base64'),
      scope: 'api',
    });
  }

  #grant(
    grantType: string | undefined,
    clientId: string | undefined,
    clientSecret: string | undefined,
    username: string | undefined,
    password: string | undefined,
  ): OAuthFailure | { userId: string; clientId: string } {
    if (!grantType) return oauthFailure(400, 'invalid_request', 'grant type is missing');
    if (grantType !== 'password' && grantType !== 'client_credentials') {
      return oauthFailure(400, 'unsupported_grant_type', 'grant type not supported');
    }
    const client = this.clients.find((candidate) => candidate.clientId === clientId);
    if (!client) return oauthFailure(400, 'invalid_client_id', 'client identifier invalid');
    if (client.clientSecret !== clientSecret) return oauthFailure(400, 'invalid_client', 'invalid client credentials');
    if (grantType === 'client_credentials') {
      // The connected app's "run as" user: the first login user.
      const runAs = this.users[0];
      if (!runAs) return oauthFailure(400, 'invalid_grant', 'no client credentials user enabled');
      return { userId: runAs.userId, clientId: client.clientId };
    }
    const user = this.users.find((candidate) => candidate.username.toLowerCase() === username?.toLowerCase());
    if (!user || user.password !== password) return oauthFailure(400, 'invalid_grant', 'authentication failure');
    return { userId: user.userId, clientId: client.clientId };
  }

  /** SOAP `login()` (`POST /services/Soap/u/<version>`): what jsforce's `login` uses without an OAuth client. */
  async soapLogin(req: IncomingMessage, res: ServerResponse, origin: string, version: string): Promise<void> {
    const body = await readText(req);
    const username = unescapeXml(/<username>([^<]*)<\/username>/.exec(body)?.[1] ?? '');
    const password = unescapeXml(/<password>([^<]*)<\/password>/.exec(body)?.[1] ?? '');
    const user = this.users.find((candidate) => candidate.username.toLowerCase() === username.toLowerCase());
    if (!user || user.password !== password) {
      sendText(
        res,
        500,
        soapEnvelope(
          '<soapenv:Fault><faultcode>INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring></soapenv:Fault>',
        ),
        'text/xml;charset=UTF-8',
      );
      return;
    }
    const session = this.sessions.issue(user.userId, 'soap');
    const result = [
      '<loginResponse><result>',
      `<metadataServerUrl>${origin}/services/Soap/m/${version}/${this.sessions.orgId}</metadataServerUrl>`,
      '<passwordExpired>false</passwordExpired><sandbox>true</sandbox>',
      `<serverUrl>${origin}/services/Soap/u/${version}/${this.sessions.orgId}</serverUrl>`,
      `<sessionId>${session.token}</sessionId>`,
      `<userId>${user.userId}</userId>`,
      `<userInfo><organizationId>${this.sessions.orgId}</organizationId><userId>${user.userId}</userId>`,
      `<userName>${escapeXml(user.username)}</userName></userInfo>`,
      '</result></loginResponse>',
    ].join('');
    sendText(res, 200, soapEnvelope(result), 'text/xml;charset=UTF-8');
  }
}

function basicCredentials(req: IncomingMessage): ClientCredential | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return undefined;
  const [clientId, clientSecret] = Buffer.from(match[1] as string, 'base64')
    .toString('utf8')
    .split(':');
  return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}

function soapEnvelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
}

const xmlEntities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (entity) => xmlEntities[entity] ?? entity);
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
