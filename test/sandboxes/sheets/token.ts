/**
 * Google's OAuth 2.0 token endpoint for service accounts (the JWT bearer flow): a service account
 * signs a JWT with its private key (RS256) naming itself (`iss`), the scopes and this endpoint
 * (`aud`); the endpoint answers an access token the API then accepts as a bearer token.
 */
import { generateKeyPairSync, type KeyObject, randomBytes, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readText, sendJson } from './http.ts';

export const spreadsheetsScope = 'https://www.googleapis.com/auth/spreadsheets';
export const tokenPath = '/token';

/** A service account key file, as the Google Cloud console downloads it (`token_uri` points at the sandbox). */
export interface ServiceAccountKey {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  token_uri: string;
}

export class TokenIssuer {
  readonly #publicKey: KeyObject;
  readonly #privateKey: string;
  readonly #keyId = randomBytes(20).toString('hex');
  readonly clientEmail = 'backflow-sandbox@sandbox-project.iam.gserviceaccount.com';
  /** Access tokens issued or accepted, with their expiry (ms). */
  readonly #tokens = new Map<string, number>();

  constructor(presetTokens: readonly string[]) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#publicKey = publicKey;
    this.#privateKey = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    for (const token of presetTokens) this.#tokens.set(token, Number.POSITIVE_INFINITY);
  }

  key(origin: string): ServiceAccountKey {
    return {
      type: 'service_account',
      project_id: 'sandbox-project',
      private_key_id: this.#keyId,
      private_key: this.#privateKey,
      client_email: this.clientEmail,
      client_id: '100000000000000000001',
      token_uri: `${origin}${tokenPath}`,
    };
  }

  accepts(token: string, now = Date.now()): boolean {
    return (this.#tokens.get(token) ?? 0) > now;
  }

  /** Answers `POST /token` (form-encoded `grant_type` and `assertion`) as Google does. */
  async answer(req: IncomingMessage, res: ServerResponse, origin: string): Promise<void> {
    const form = new URLSearchParams(await readText(req));
    const refuse = (error: string, description: string) =>
      sendJson(res, 400, { error, error_description: description });
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      return refuse('unsupported_grant_type', `Invalid grant_type: ${form.get('grant_type') ?? ''}`);
    }
    const [header, payload, signature] = (form.get('assertion') ?? '').split('.');
    if (!header || !payload || !signature) return refuse('invalid_request', 'Invalid JWT: malformed.');
    const valid = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      this.#publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!valid) return refuse('invalid_grant', 'Invalid JWT Signature.');
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return refuse('invalid_request', 'Invalid JWT: the claim set is not JSON.');
    }
    const now = Math.floor(Date.now() / 1000);
    if (claims.iss !== this.clientEmail) return refuse('invalid_grant', 'Invalid JWT: unknown service account.');
    if (claims.aud !== `${origin}${tokenPath}`) return refuse('invalid_grant', 'Invalid JWT: wrong audience.');
    if (
      typeof claims.exp !== 'number' ||
      typeof claims.iat !== 'number' ||
      claims.exp <= now ||
      claims.iat > now + 300
    ) {
      return refuse(
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.',
      );
    }
    if (typeof claims.scope !== 'string' || !claims.scope.split(' ').includes(spreadsheetsScope)) {
      return refuse('invalid_scope', `The scope ${spreadsheetsScope} was not requested.`);
    }
    const token = `ya29.sandbox-${randomBytes(24).toString('base64url')}`;
    const expiresIn = 3599;
    this.#tokens.set(token, Date.now() + expiresIn * 1000);
    sendJson(res, 200, { access_token: token, expires_in: expiresIn, token_type: 'Bearer' });
  }
}
