import type { ApiFailureInfo } from '../utilities/api-error-text.ts';

/** A failed API call: the status and the API's `{ error: { code, message } }`, or `network`. */
export class ApiFailure extends Error implements ApiFailureInfo {
  readonly status: number;
  readonly code: string;
  readonly problems: unknown[];

  constructor(status: number, code: string, message: string, problems: unknown[] = []) {
    super(message);
    this.name = 'ApiFailure';
    this.status = status;
    this.code = code;
    this.problems = problems;
  }

  /** From a response body that may or may not be the API's error shape (a proxy's HTML page …). */
  static fromBody(status: number, body: unknown): ApiFailure {
    const error = (body as { error?: { code?: unknown; message?: unknown; problems?: unknown } } | null)?.error;
    const code = typeof error?.code === 'string' ? error.code : 'error';
    const message = typeof error?.message === 'string' ? error.message : '';
    return new ApiFailure(status, code, message, Array.isArray(error?.problems) ? error.problems : []);
  }

  static network(cause: unknown): ApiFailure {
    return new ApiFailure(0, 'network', cause instanceof Error ? cause.message : String(cause));
  }
}
