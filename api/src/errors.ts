/**
 * One error shape for every API answer: `{ error: { code, message, problems? } }`. Handlers throw
 * `ApiError`; the error handler also translates Fastify's own errors (validation, multipart
 * limits, bad content types) so a client never sees another shape.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { Type } from 'typebox';

export const ProblemSchema = Type.Object(
  {
    message: Type.String(),
    nodeId: Type.Optional(Type.String()),
    edgeId: Type.Optional(Type.String()),
    field: Type.Optional(Type.String({ description: 'The request field a refinery task problem concerns (name, teacherIds, params.<name> …).' })),
    code: Type.Optional(Type.String({ description: 'What is wrong, as a stable snake_case code; clients translate it.' })),
    params: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Array(Type.String())]), {
        description: 'The values `message` interpolates, by name, for a translated sentence; lists as arrays.',
      }),
    ),
  },
  { additionalProperties: true, description: 'One problem found in a flowchart, a dataset or a refinery task request.' },
);

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Machine-readable reason, e.g. `not_found`.' }),
      message: Type.String({ description: 'A sentence saying what is wrong.' }),
      problems: Type.Optional(Type.Array(ProblemSchema)),
    }),
  },
  { $id: 'Error', title: 'Error' },
);
/** `problems` carries the validator's or the dataset checker's own problem objects. */
export type ErrorBody = { error: { code: string; message: string; problems?: unknown[] } };

const errorRef = () => Type.Ref('Error', { description: 'Error' });

/** The error responses a route can give, for its `response` schema (references the shared `Error`). */
export function errorResponses(...statuses: number[]): Record<number, ReturnType<typeof errorRef>> {
  return Object.fromEntries(statuses.map((status) => [status, errorRef()]));
}

export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly problems: unknown[] | undefined;

  constructor(statusCode: number, code: string, message: string, problems?: unknown[]) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.code = code;
    this.problems = problems;
  }
}

export const badRequest = (message: string, problems?: unknown[]) =>
  new ApiError(400, 'bad_request', message, problems);
export const notFound = (what: string, id: string) =>
  new ApiError(404, 'not_found', `${what} ${id} does not exist (or is not yours).`);

export function errorBody(code: string, message: string, problems?: unknown[]): ErrorBody {
  return { error: problems === undefined ? { code, message } : { code, message, problems } };
}

/** Fastify error codes → our codes, for the errors Fastify and its plugins raise themselves. */
const fastifyCodes: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  406: 'not_acceptable',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    if (err instanceof ApiError) {
      return reply.status(err.statusCode).send(errorBody(err.code, err.message, err.problems));
    }
    if ('validation' in err && err.validation) {
      // Fastify's message already names the field (`body/graph/nodes must be array`).
      return reply.status(400).send(errorBody('bad_request', `Invalid request: ${err.message}`));
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return reply.status(status).send(errorBody('internal', 'Internal server error; see the server log.'));
    }
    return reply.status(status).send(errorBody(fastifyCodes[status] ?? 'error', err.message));
  });
}
