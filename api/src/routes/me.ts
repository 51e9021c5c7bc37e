import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { eq } from 'drizzle-orm';
import { users } from '@aip/platform';
import type { AppDeps } from '../deps.ts';
import { userOf } from '../auth.ts';
import { errorResponses } from '../errors.ts';
import { Literals, Nullable } from '../views.ts';

const MeSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Literals(['admin', 'user']),
  temporal: Type.Object(
    {
      namespace: Type.String(),
      uiUrl: Nullable(Type.String({ description: 'null: the AIP host, port 8233 (the dev server’s UI).' })),
    },
    { description: 'Where the operators’ Temporal UI shows the workflows behind runs and stages.' },
  ),
});

/** Who the token belongs to, and the server facts the web app needs to link out (Temporal UI). */
const meRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, config }) => {
  app.get(
    '/me',
    {
      schema: {
        tags: ['meta'],
        summary: 'The signed-in user and where the Temporal UI is',
        response: { 200: MeSchema, ...errorResponses(401) },
      },
    },
    async (request) => {
      const { id } = userOf(request);
      const [user] = await db.select().from(users).where(eq(users.id, id));
      return {
        id,
        email: user!.email,
        name: user!.name,
        role: user!.role,
        temporal: { namespace: config.temporal.namespace, uiUrl: config.temporal.uiUrl ?? null },
      };
    },
  );
};

export default meRoutes;
