import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const webRoot = fileURLToPath(new URL('..', import.meta.url));

describe('web type check (svelte-check, no services)', () => {
  // The zero-warning gate of the web app (Svelte components, routes, scripts and tests) inside
  // `npm test`: the root tsc run leaves web/ to svelte-check.
  it('finds no errors and no warnings', async () => {
    const run = await promisify(execFile)('npm', ['run', 'check'], { cwd: webRoot, maxBuffer: 16 * 1024 * 1024 }).then(
      ({ stdout }) => ({ ok: true, output: stdout }),
      (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
    );
    expect(run.ok, run.output).toBe(true);
    expect(run.output).toContain('svelte-check found 0 errors and 0 warnings');
  }, 180_000);
});
