export {
  createHttpApi,
  type HttpApi,
  type HttpApiOptions,
  type HttpAuth,
  type HttpFailedAnswer,
  type HttpMethod,
  type HttpRequest,
  type HttpRetry,
  type HttpRetryPolicy,
  type HttpTextAnswer,
  type QueryValue,
} from './api.ts';
export { HttpApiError, type HttpApiErrorCode, type HttpApiErrorFields } from './http-api-error.ts';
export type { HttpLimits } from './limiter.ts';
export { retryDelayScale, retryDelayScaleVariable } from './retry-delay-scale.ts';
export { serverWaitMs } from './server-wait.ts';
export {
  defaultSignatureHeader,
  defaultTimestampHeader,
  type WebhookSigning,
  webhookSignatureHeaders,
} from './webhook-signature.ts';
