/**
 * The one log format of every AIP process: JSON lines on stdout (pino), level `info`, credentials
 * redacted. The API's request log is Fastify's pino with the same redaction; the worker processes
 * log through `createLogger`, and the Temporal SDK's own entries (workflow and activity ids in
 * them) go through it too (activities' `installWorkerLogging`).
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Where credentials could reach a log line: request and response headers (Fastify's serializers
 * leave them out today; these paths keep it so if a serializer or an error ever includes them),
 * and fields that carry passwords or secrets.
 */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["x-aip-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-csrf-token"]',
  'headers["x-aip-signature"]',
  'password',
  'body.password',
  'body.currentPassword',
  'body.newPassword',
  'body.secret',
  // The Temporal SDK's activity log lines: the token completes the activity from outside.
  'taskToken',
];

export const LOG_REDACT_CENSOR = '[redacted]';

export interface CreateLoggerOptions {
  /** The `name` field of every line (`aip-worker`), telling processes apart in one stream. */
  name?: string;
  /** Default `info`. */
  level?: string;
  /** Default stdout. */
  stream?: DestinationStream;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  return pino(
    {
      ...(options.name ? { name: options.name } : {}),
      level: options.level ?? 'info',
      redact: { paths: LOG_REDACT_PATHS, censor: LOG_REDACT_CENSOR },
    },
    options.stream,
  );
}
