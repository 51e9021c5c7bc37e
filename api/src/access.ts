/**
 * The one authorization layer. Every route under /api declares who may call it in its options
 * (`config: { access }`) and how large a body it takes (`bodyLimit`); a route without them does not
 * start. Before any handler runs, the hook here authenticates the caller (auth.ts), checks the
 * CSRF token of cookie-authenticated writes, loads the owner and visibility of the resource the
 * route names, and decides:
 *   - anonymous on a route that needs a user → 401;
 *   - a resource that does not exist, or is private and not the caller's → 404 (the same answer,
 *     so ids cannot be probed);
 *   - a public resource of someone else, for a change → 403;
 *   - administrators manage accounts, not content: on other people's things they are treated
 *     like any other user ("my data stays mine").
 * Handlers then read the checked resource by id; lists filter with `readableBy` / `ownedBy`.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { eq, or, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { apiTokens, datasets, flowcharts, labelingJobs, models, refineryTasks, runs, type Database, type Visibility } from '@aip/platform';
import { authenticate, safeEqual, signInRequired, type AuthUser } from './auth.ts';
import { ApiError } from './errors.ts';

export type ResourceKind = 'dataset' | 'flowchart' | 'run' | 'model' | 'labelingJob' | 'apiToken' | 'refineryTask';

export type Access =
  /** No sign-in: health, documentation, sign-in itself, the labeling webhook (it checks its HMAC). */
  | { kind: 'anyone'; why: string }
  /** Any signed-in user: their own lists, creating things. */
  | { kind: 'signedIn' }
  | { kind: 'admin' }
  /** One resource named by the route parameter `param`: read (its owner, or anyone once public) or write (its owner). */
  | { kind: 'resource'; resource: ResourceKind; param: string; action: 'read' | 'write' };

export const access = {
  anyone: (why: string): Access => ({ kind: 'anyone', why }),
  signedIn: { kind: 'signedIn' } as Access,
  admin: { kind: 'admin' } as Access,
  read: (resource: ResourceKind, param = 'id'): Access => ({ kind: 'resource', resource, param, action: 'read' }),
  write: (resource: ResourceKind, param = 'id'): Access => ({ kind: 'resource', resource, param, action: 'write' }),
};

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

/** Largest request bodies, by what a route takes; every route with a body picks one. */
export const BODY_LIMIT = {
  /** Routes that take no body, or a few fields (sign-in, tokens, names). */
  small: 16 * 1024,
  /** Flowchart graphs, one item's labels. */
  json: 2 * 1024 ** 2,
  /** Labels of a whole job delivered at once (webhook). */
  delivery: 64 * 1024 ** 2,
} as const;

const LABELS: Record<ResourceKind, string> = {
  dataset: 'Dataset',
  flowchart: 'Flowchart',
  run: 'Run',
  model: 'Model',
  labelingJob: 'Labeling job',
  apiToken: 'API token',
  refineryTask: 'Refinery task',
};

interface Guarded {
  ownerId: string;
  visibility: Visibility;
}

/** Owner and visibility of each kind of resource; runs, their labeling jobs, refinery tasks and tokens are always private. */
const guards: Record<ResourceKind, (db: Database, id: string) => Promise<Guarded | undefined>> = {
  dataset: async (db, id) =>
    (await db.select({ ownerId: datasets.ownerId, visibility: datasets.visibility }).from(datasets).where(eq(datasets.id, id)))[0],
  flowchart: async (db, id) =>
    (await db.select({ ownerId: flowcharts.ownerId, visibility: flowcharts.visibility }).from(flowcharts).where(eq(flowcharts.id, id)))[0],
  model: async (db, id) =>
    (await db.select({ ownerId: models.ownerId, visibility: models.visibility }).from(models).where(eq(models.id, id)))[0],
  run: async (db, id) => {
    const [row] = await db.select({ ownerId: runs.ownerId }).from(runs).where(eq(runs.id, id));
    return row && { ownerId: row.ownerId, visibility: 'private' };
  },
  labelingJob: async (db, id) => {
    const [row] = await db
      .select({ ownerId: runs.ownerId })
      .from(labelingJobs)
      .innerJoin(runs, eq(runs.id, labelingJobs.runId))
      .where(eq(labelingJobs.id, id));
    return row && { ownerId: row.ownerId, visibility: 'private' };
  },
  refineryTask: async (db, id) => {
    const [row] = await db.select({ ownerId: refineryTasks.ownerId }).from(refineryTasks).where(eq(refineryTasks.id, id));
    return row && { ownerId: row.ownerId, visibility: 'private' };
  },
  apiToken: async (db, id) => {
    const [row] = await db.select({ ownerId: apiTokens.userId }).from(apiTokens).where(eq(apiTokens.id, id));
    return row && { ownerId: row.ownerId, visibility: 'private' };
  },
};

/** What the layer decided for a request, for handlers that show it (e.g. "yours" or "public"). */
export interface Checked {
  kind: ResourceKind;
  id: string;
  ownerId: string;
  visibility: Visibility;
}

const checkedResources = new WeakMap<FastifyRequest, Checked>();

export function checkedResource(request: FastifyRequest): Checked | undefined {
  return checkedResources.get(request);
}

/** A list's filter, and what a flowchart may name: rows the user owns, plus public ones. */
export function readableBy(user: Pick<AuthUser, 'id'>, table: { ownerId: PgColumn; visibility: PgColumn }): SQL {
  return or(eq(table.ownerId, user.id), eq(table.visibility, 'public'))!;
}

export function ownedBy(user: Pick<AuthUser, 'id'>, table: { ownerId: PgColumn }): SQL {
  return eq(table.ownerId, user.id);
}

/** One row of the route table: method, URL and its access rule (the authorization matrix test reads it). */
export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
  bodyLimit: number | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// The OpenAPI viewer's own routes (registered by its plugin) serve only the public documentation.
const DOCUMENTATION = /^\/api\/docs(\/|$)/;

const tables = new WeakMap<FastifyInstance, RouteAccess[]>();

/** The routes of an app with their access rules, as registered (after `ready`). */
export function routeTable(app: FastifyInstance): RouteAccess[] {
  return tables.get(app) ?? [];
}

const notFound = (kind: ResourceKind, id: string) =>
  new ApiError(404, 'not_found', `${LABELS[kind]} ${id} does not exist (or is not yours).`);

export function installAccess(app: FastifyInstance, db: Database): void {
  const table: RouteAccess[] = [];
  tables.set(app, table);

  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/') || DOCUMENTATION.test(route.url)) return;
    const rule = route.config?.access;
    const methods = ([] as string[]).concat(route.method);
    if (!rule) throw new Error(`Route ${methods.join(',')} ${route.url} declares no access rule (config.access, see access.ts)`);
    if (rule.kind === 'resource' && !route.url.includes(`:${rule.param}`)) {
      throw new Error(`Route ${route.url}: its access rule names the parameter "${rule.param}", which the URL lacks`);
    }
    for (const method of methods) {
      if (method === 'HEAD') continue;
      if (!SAFE_METHODS.has(method) && route.bodyLimit === undefined) {
        throw new Error(`Route ${method} ${route.url} declares no bodyLimit (pick one of BODY_LIMIT in access.ts)`);
      }
      table.push({ method, url: route.url, access: rule, bodyLimit: route.bodyLimit });
    }
  });

  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?', 1)[0]!;
    if ((path !== '/api' && !path.startsWith('/api/')) || DOCUMENTATION.test(path)) return;
    const method = request.method;
    // Writes from another site's pages are refused whoever they claim to be (browsers send Origin).
    const origin = request.headers.origin;
    if (!SAFE_METHODS.has(method) && origin !== undefined && origin !== 'null' && !sameHost(origin, request.host)) {
      throw new ApiError(403, 'cross_origin', `Requests from ${origin} may not change anything here.`);
    }
    if (!SAFE_METHODS.has(method) && origin === 'null') {
      throw new ApiError(403, 'cross_origin', 'Requests from opaque origins may not change anything here.');
    }

    // Text with a NUL byte can name nothing stored (Postgres text cannot hold one).
    const params = Object.entries((request.params ?? {}) as Record<string, string>);
    const nul = params.find(([, value]) => typeof value === 'string' && value.includes('\u0000'));
    if (nul) throw new ApiError(400, 'bad_request', `The path parameter "${nul[0]}" contains a NUL byte.`);

    // Unknown /api routes need a user too, so the API does not reveal its surface to strangers.
    const rule: Access = request.routeOptions.config?.access ?? access.signedIn;
    if (rule.kind === 'anyone') return;

    const user = await authenticate(db, request);
    if (!user) throw signInRequired();
    if (user.session && !SAFE_METHODS.has(method)) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !safeEqual(sent, user.session.csrfToken)) {
        throw new ApiError(403, 'csrf_failed', 'Missing or wrong x-csrf-token header (GET /api/me gives the session’s token).');
      }
    }

    if (rule.kind === 'signedIn') return;
    if (rule.kind === 'admin') {
      if (user.role !== 'admin') throw new ApiError(403, 'forbidden', 'Only administrators may do this.');
      return;
    }
    const id = (request.params as Record<string, string | undefined>)[rule.param] ?? '';
    const guarded = await guards[rule.resource](db, id);
    const owner = guarded?.ownerId === user.id;
    if (!guarded || (!owner && guarded.visibility !== 'public')) throw notFound(rule.resource, id);
    if (rule.action === 'write' && !owner) {
      throw new ApiError(403, 'forbidden', `${LABELS[rule.resource]} ${id} is public, but only its owner can change it.`);
    }
    checkedResources.set(request, { kind: rule.resource, id, ...guarded });
  });
}

/** Whether a request's Origin is the host it was sent to (default ports written or not). */
function sameHost(origin: string, host: string): boolean {
  try {
    const from = new URL(origin);
    return from.host === new URL(`${from.protocol}//${host}`).host;
  } catch {
    return false;
  }
}
