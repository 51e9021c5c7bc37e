/** Regenerates web/src/lib/services/api-types.ts from the API's route schemas (`npm run openapi -w web`). */
import { writeFile } from 'node:fs/promises';
import { API_TYPES_FILE, apiTypesSource } from './api-spec.ts';

await writeFile(API_TYPES_FILE, await apiTypesSource());
console.log(`wrote ${API_TYPES_FILE}`);
