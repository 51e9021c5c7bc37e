import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ARCHITECTURES, TASK_TITLES, TASK_TYPES } from '@aip/workflows';
import { access } from '../access.ts';
import { errorResponses } from '../errors.ts';

const TaskArchitecturesSchema = Type.Object({
  task: Type.String(),
  title: Type.String({ description: 'How the task is named for people.' }),
  default: Type.Union([Type.String(), Type.Null()], { description: 'Used when a node names no architecture.' }),
  options: Type.Array(Type.Object({ id: Type.String(), description: Type.String() })),
});

/** The model architectures each task can train, for the flowchart editor's pickers. */
const architectureRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/architectures',
    {
      config: { access: access.signedIn },
      schema: {
        tags: ['meta'],
        summary: 'Model architectures per task',
        response: { 200: Type.Array(TaskArchitecturesSchema), ...errorResponses(401) },
      },
    },
    async () =>
      TASK_TYPES.map((task) => ({
        task,
        title: TASK_TITLES[task],
        default: ARCHITECTURES[task].default,
        options: ARCHITECTURES[task].options.map((a) => ({ id: a.id, description: a.description })),
      })),
  );
};

export default architectureRoutes;
