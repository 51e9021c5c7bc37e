// Entry point of a deployment bundle (built into dist/server.mjs): serves the bundle's pipeline.
//   AIP_BUNDLE_DIR  folder holding pipeline.json and models/ (default: the folder of this script)
//   PORT            default 10086
//   HOST            default 0.0.0.0
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPipeline } from './pipeline.ts';
import { createServer } from './server.ts';

function readPort(value: string | undefined): number {
  if (value === undefined || value === '') return 10086;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer 0..65535, got "${value}"`);
  }
  return port;
}

async function main(): Promise<void> {
  const bundleDir = process.env.AIP_BUNDLE_DIR || dirname(fileURLToPath(import.meta.url));
  const port = readPort(process.env.PORT);
  const host = process.env.HOST || '0.0.0.0';
  const pipeline = await loadPipeline(bundleDir);
  const app = createServer(pipeline, { logger: true });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info(`${signal} received, finishing requests in flight`);
    try {
      await app.close();
      await pipeline.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await app.listen({ port, host });
  app.log.info(`serving pipeline "${pipeline.spec.name}" from ${bundleDir}: POST /aip`);
}

main().catch((err: unknown) => {
  console.error(`aip server: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
