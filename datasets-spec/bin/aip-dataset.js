#!/usr/bin/env node
// `aip-dataset`: the package's command line (src/cli.ts). Node 20 runs TypeScript only through a
// loader, so this registers tsx (the workspace's TypeScript runner, as for `npm run sample-dataset`)
// before importing the CLI.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli.ts');
const progress = process.stderr.isTTY ? (line) => process.stderr.write(`\r\x1b[2K${line}`) : undefined;
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  // `npm exec` and `npx` keep the caller's folder; npm scripts leave it in INIT_CWD.
  cwd: process.env.INIT_CWD ?? process.cwd(),
  ...(progress ? { progress } : {}),
});
