import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const webRoot = fileURLToPath(new URL('..', import.meta.url));

describe('web lint (ESLint with typescript-eslint and eslint-plugin-svelte, no services)', () => {
  // The zero-warning lint gate of the web app inside `npm test` (eslint.config.js; `npm run lint -w web`).
  it('finds no errors and no warnings', async () => {
    const eslint = new ESLint({ cwd: webRoot });
    const results = await eslint.lintFiles(['.']);
    const problems = results.flatMap((result) =>
      result.messages.map((m) => `${result.filePath.slice(webRoot.length)}:${m.line}:${m.column} ${m.ruleId ?? ''} ${m.message}`),
    );
    expect(problems).toEqual([]);
    expect(results.length).toBeGreaterThan(50);
  }, 180_000);
});
