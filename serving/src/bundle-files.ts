import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BundleRuntimeFile {
  /** Path inside the bundle zip. */
  path: string;
  /** Absolute path of the file on this machine. */
  source: string;
  /** Unix mode to store in the zip (deploy.sh is executable). */
  mode: number;
}

const TEMPLATE_FILES = ['deploy.sh', 'Dockerfile', '.dockerignore', 'README.md', 'package.json', 'package-lock.json'];

/**
 * The runtime files every bundle carries besides pipeline.json and models/: the built server and
 * the deployment template. Throws if the server has not been built.
 */
export function bundleRuntimeFiles(): { files: BundleRuntimeFile[] } {
  const server = fileURLToPath(new URL('../dist/server.mjs', import.meta.url));
  if (!existsSync(server)) {
    throw new Error(`the serving runtime ${server} is not built; run \`npm run build -w serving\` at the repository root`);
  }
  const files: BundleRuntimeFile[] = [{ path: 'server.mjs', source: server, mode: 0o644 }];
  for (const name of TEMPLATE_FILES) {
    const source = fileURLToPath(new URL(`../bundle-template/${name}`, import.meta.url));
    if (!existsSync(source)) throw new Error(`bundle template file ${source} is missing`);
    files.push({ path: name, source, mode: name.endsWith('.sh') ? 0o755 : 0o644 });
  }
  return { files };
}
