import { randomUUID } from 'node:crypto';
import { AppError } from '../core/errors';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The caller's `X-Request-Id` when it is well formed (so traces join up), else a fresh UUID. */
export function requestId(given: string | string[] | undefined): string {
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Helmet's Content-Security-Policy: same-origin only, which is all the Swagger UI needs. */
export const CONTENT_SECURITY_POLICY = {
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
  },
};

/** The answers to a request body the API cannot read, the same in every stack. */
export const bodyErrors = {
  tooLarge: () => new AppError(413, 'payload_too_large', 'The request body is larger than this API accepts.'),
  notJson: () => new AppError(415, 'unsupported_media_type', 'Send the body as UTF-8 JSON with `Content-Type: application/json`.'),
  empty: () => new AppError(400, 'empty_body', 'The body is empty although `Content-Type: application/json` was sent.'),
  malformed: () => new AppError(400, 'malformed_json', 'The body is not valid JSON.'),
};

const SECRET_QUERY = /([?&](?:token|access_token|refresh_token)=)[^&#]*/gi;

/** The URL as the access log writes it: one-time tokens in the query (mailed links) are redacted. */
export function logUrl(url: string): string {
  return url.includes('token=') ? url.replace(SECRET_QUERY, '$1[redacted]') : url;
}
