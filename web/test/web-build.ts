/**
 * The browser test drives the static build the API serves (web/build). The set-up script builds it
 * when web sources are newer; this rebuilds too, so a test run after an edit never tests stale code.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const webRoot = fileURLToPath(new URL('..', import.meta.url));
const INPUTS = ['src', 'svelte.config.js', 'vite.config.ts', 'package.json'];

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(target).map((entry) => newestMtime(path.join(target, entry))));
}

export async function ensureWebBuild(): Promise<void> {
  const built = path.join(webRoot, 'build', 'index.html');
  const sources = Math.max(...INPUTS.map((input) => newestMtime(path.join(webRoot, input))));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  await promisify(execFile)('npm', ['run', 'build'], { cwd: webRoot, maxBuffer: 16 * 1024 * 1024 });
}
