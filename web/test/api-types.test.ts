import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, apiTypesSource } from '../scripts/api-spec.ts';

describe('web API types (PGlite in memory, no services)', () => {
  it('match the API routes: regenerate with `npm run openapi -w web` after a route change', async () => {
    const committed = await readFile(API_TYPES_FILE, 'utf8');
    expect(committed === (await apiTypesSource()), 'web/src/lib/services/api-types.ts is stale: run `npm run openapi -w web`').toBe(true);
  });
});
