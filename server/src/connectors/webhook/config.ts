/** `webhook.destination`'s config: one TypeBox declaration, the schema and the type. */
import { type Static, Type } from '@sinclair/typebox';
import type { ConfigIssue } from '../../node-kit/contract.ts';
import { defaultSignatureHeader, defaultTimestampHeader } from '../../node-kit/http/index.ts';
import { modeProperty, recordOf } from '../../node-kit/schema.ts';

export const webhookModes = ['append'] as const;

/** An HTTP header name (RFC 9110 token). */
const headerName = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

export const webhookDestinationConfig = Type.Object(
  {
    url: Type.String({
      pattern: '^https?://',
      title: 'URL',
      description:
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal syntax of an env reference.
        'Where batches are POSTed. Its path and query are never shown (a webhook URL often holds a token): write a secret one as ${env:NAME}.',
    }),
    mode: Type.Optional(
      modeProperty(webhookModes, {
        default: 'append',
        description: 'append: every record is sent once per run (a resumed run may resend the batch in flight).',
      }),
    ),
    headers: Type.Optional(
      recordOf(Type.String(), {
        title: 'Headers',
        description:
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal syntax of an env reference.
          'Sent with every request, e.g. { "Authorization": "Bearer ${env:HOOK_TOKEN}" }; values are never shown in logs or errors.',
      }),
    ),
    secret: Type.Optional(
      Type.String({
        minLength: 1,
        writeOnly: true,
        title: 'Signing secret',
        description:
          'Signs each body: the signature header carries sha256=<hex> of HMAC-SHA256(secret, "<timestamp>.<body>"), the timestamp header the Unix seconds signed.',
      }),
    ),
    signatureHeader: Type.Optional(
      Type.String({ pattern: headerName, default: defaultSignatureHeader, title: 'Signature header' }),
    ),
    timestampHeader: Type.Optional(
      Type.String({ pattern: headerName, default: defaultTimestampHeader, title: 'Timestamp header' }),
    ),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100, title: 'Records per request' })),
    concurrency: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 32,
        default: 4,
        title: 'Requests in flight',
        description: 'Requests sent at once; 1 delivers the batches strictly in order.',
      }),
    ),
    retries: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 20,
        default: 10,
        title: 'Retries',
        description:
          'Attempts after the first on 408, 429, 5xx and network failures, with exponential backoff (longer when Retry-After asks); then the run fails.',
      }),
    ),
    timeoutMs: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000, title: 'Timeout per request (ms)' }),
    ),
  },
  { additionalProperties: false },
);

export type WebhookDestinationConfig = Static<typeof webhookDestinationConfig>;

/** Headers Backflow sets itself: a configured one would be overwritten, or break the body. */
const reserved = ['idempotency-key', 'content-type', 'content-length', 'host'];

/** What the schema cannot say: no header collides with one Backflow sets. */
export function checkWebhookConfig(config: WebhookDestinationConfig): ConfigIssue[] {
  const own = [
    ...reserved,
    (config.signatureHeader ?? defaultSignatureHeader).toLowerCase(),
    (config.timestampHeader ?? defaultTimestampHeader).toLowerCase(),
  ];
  const issues: ConfigIssue[] = [];
  for (const name of Object.keys(config.headers ?? {})) {
    if (!new RegExp(headerName).test(name))
      issues.push({ path: `headers.${name}`, message: `"${name}" is not a valid HTTP header name` });
    else if (own.includes(name.toLowerCase()))
      issues.push({ path: `headers.${name}`, message: `${name} is set by Backflow on every request; remove it` });
  }
  if (
    (config.signatureHeader ?? defaultSignatureHeader).toLowerCase() ===
    (config.timestampHeader ?? defaultTimestampHeader).toLowerCase()
  )
    issues.push({ path: 'timestampHeader', message: 'the timestamp and signature headers need different names' });
  return issues;
}
