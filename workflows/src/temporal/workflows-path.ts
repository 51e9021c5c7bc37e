/** Where the workflow code is, for `Worker.create({ workflowsPath })` and `bundleWorkflowCode`. */
import { fileURLToPath } from 'node:url';

export const workflowsPath: string = fileURLToPath(new URL('./workflows.ts', import.meta.url));
