import { fileURLToPath } from 'node:url';

/** The repository's trainer/ folder: the local executor runs the trainer from source. */
export const trainerRoot = fileURLToPath(new URL('../../trainer', import.meta.url));
/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
