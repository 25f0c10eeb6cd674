/**
 * The bearer token requests carry: the configured access token, or one obtained with Google's JWT
 * bearer flow for service accounts (RFC 7523): a JWT naming the account, the spreadsheets scope and
 * the key's `token_uri`, signed RS256 with its private key, exchanged at `token_uri`. Tokens are
 * cached until five minutes before they expire.
 */
import { createSign } from 'node:crypto';
import { ConfigError } from '../../errors.ts';
import type { NodeContext } from '../../node-kit/contract.ts';
import { createHttpApi, HttpApiError } from '../../node-kit/http/index.ts';

export const spreadsheetsScope = 'https://www.googleapis.com/auth/spreadsheets';
const googleTokenUri = 'https://oauth2.googleapis.com/token';
const lifetimeSeconds = 3600;
const renewBeforeMs = 5 * 60_000;

interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

export interface AccessTokens {
  /** What the API's budget is keyed by: the service account (its tokens change) or the token. */
  credential: string;
  current(): Promise<string>;
}

export function accessTokens(
  credentials: { serviceAccountKey?: string | undefined; accessToken?: string | undefined },
  ctx: NodeContext,
): AccessTokens {
  if (credentials.accessToken) {
    const token = credentials.accessToken;
    return { credential: token, current: async () => token };
  }
  const key = JSON.parse(credentials.serviceAccountKey ?? '{}') as ServiceAccountKey;
  const tokenUri = key.token_uri ?? googleTokenUri;
  const endpoint = createHttpApi({
    baseUrl: tokenUri,
    retry: { retries: 3 },
    signal: ctx.signal,
    onRetry: (retry) => ctx.log.warn('retrying a Google token request', { ...retry }),
  });
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function exchange(): Promise<string> {
    const answer = await endpoint
      .request<{ access_token?: string; expires_in?: number }>({
        method: 'POST',
        path: '',
        rawBody: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: signedAssertion(key, tokenUri),
        }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      .catch((error: unknown) => {
        throw new ConfigError(
          `node "${ctx.nodeId}": Google refused the service account ${key.client_email}: ${tokenRefusal(error)}`,
          { nodeId: ctx.nodeId, cause: error },
        );
      });
    if (typeof answer?.access_token !== 'string') {
      throw new ConfigError(`node "${ctx.nodeId}": the token endpoint answered no access token`, {
        nodeId: ctx.nodeId,
      });
    }
    cached = {
      token: answer.access_token,
      renewAt: Date.now() + (answer.expires_in ?? lifetimeSeconds) * 1000 - renewBeforeMs,
    };
    return answer.access_token;
  }

  return {
    credential: `service-account:${key.client_email}`,
    current() {
      if (cached && Date.now() < cached.renewAt) return Promise.resolve(cached.token);
      pending ??= exchange().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}

function signedAssertion(key: ServiceAccountKey, audience: string): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const header = encode({ alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) });
  const claims = encode({
    iss: key.client_email,
    scope: spreadsheetsScope,
    aud: audience,
    iat: now,
    exp: now + lifetimeSeconds,
  });
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key.private_key, 'base64url');
  return `${header}.${claims}.${signature}`;
}

/** The OAuth error of a refused exchange (`invalid_grant: Invalid JWT Signature.`), never the assertion. */
function tokenRefusal(error: unknown): string {
  if (!(error instanceof HttpApiError)) return error instanceof Error ? error.message : String(error);
  try {
    const body = JSON.parse(error.bodyExcerpt ?? '') as { error?: string; error_description?: string };
    if (body.error) return `${body.error}${body.error_description ? `: ${body.error_description}` : ''}`;
  } catch {
    // not JSON: the HTTP error says what happened
  }
  return error.message;
}
