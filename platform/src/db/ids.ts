import { randomBytes } from 'node:crypto';

/** The id prefixes of the tables, so every caller spells them the same way. */
export const ID_PREFIX = {
  user: 'usr',
  apiToken: 'tok',
  invitation: 'inv',
  dataset: 'ds',
  flowchart: 'fc',
  run: 'run',
  stageRun: 'sr',
  model: 'mdl',
  labelingJob: 'lj',
  labelingItem: 'li',
  bundle: 'bdl',
  refineryTask: 'rt',
} as const;

/**
 * `<prefix>_<25 chars of [0-9a-z]>` (128 random bits). Lowercase alphanumerics only, so ids are safe
 * in blob keys, URLs, Temporal workflow ids and file names on case-insensitive file systems.
 */
export function newId(prefix: string): string {
  if (!/^[a-z][a-z0-9]*$/.test(prefix)) {
    throw new Error(`newId: prefix ${JSON.stringify(prefix)} must be lowercase letters/digits (e.g. "ds")`);
  }
  const random = BigInt(`0x${randomBytes(16).toString('hex')}`).toString(36).padStart(25, '0');
  return `${prefix}_${random}`;
}
