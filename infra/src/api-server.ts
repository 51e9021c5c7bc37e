/**
 * The API server as every AIP process that serves it starts it: the admin ensured with a way in
 * for people (a password: AIP_ADMIN_PASSWORD, else a generated one left in
 * AIP_HOME/initial-admin-password until it is changed) and for scripts (an API token kept in
 * AIP_HOME/token; only its hash is in the database), a Temporal client (AIP's search attributes
 * registered in its namespace; traced with OTEL_EXPORTER_OTLP_ENDPOINT), the Fastify app listening.
 * Secrets go to those owner-only files, never to the console or the logs.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { buildApp, ensureAdminPassword, ensureAdminToken, isAdminPassword } from '@aip/api';
import { createLogger, tracingFromConfig, type AipConfig, type BlobStore, type Database } from '@aip/platform';
import { ensureSearchAttributes } from '@aip/workflows/temporal';

export async function startApiServer(config: AipConfig, db: Database, blobs: BlobStore, host: string) {
  await mkdir(config.home, { recursive: true });
  const tokenFile = path.join(config.home, 'token');
  const ensured = await ensureAdminToken(db, config.token);
  const fresh = ensured.token ?? config.token;
  if (fresh) await writeFile(tokenFile, `${fresh}\n`, { mode: 0o600 });
  const token = existsSync(tokenFile) ? (await readFile(tokenFile, 'utf8')).trim() : undefined;

  const passwordFile = path.join(config.home, 'initial-admin-password');
  const admin = await ensureAdminPassword(db, config.adminPassword);
  if (admin.password && !config.adminPassword) await writeFile(passwordFile, `${admin.password}\n`, { mode: 0o600 });
  if (existsSync(passwordFile)) {
    // Once the admin has chosen a password of their own, the generated one is no use to anyone.
    const written = (await readFile(passwordFile, 'utf8')).trim();
    if (!(await isAdminPassword(db, admin.userId, written))) await rm(passwordFile, { force: true });
  }

  const connection = await Connection.connect({ address: config.temporal.address });
  // Runs are started with search attributes only where the namespace has them.
  const searchAttributes = await ensureSearchAttributes(connection, config.temporal.namespace, createLogger());
  const tracing = tracingFromConfig(config, 'aip-api');
  const temporal = new Client({
    connection,
    namespace: config.temporal.namespace,
    ...(tracing ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] } } : {}),
  });
  const app = buildApp({ config: { ...config, searchAttributes }, db, blobs, temporal, logger: true });
  await app.listen({ port: config.port, host });
  return {
    token,
    tokenFile,
    adminEmail: admin.email,
    /** Where the generated first password is, while it is still the admin's password. */
    passwordFile: existsSync(passwordFile) ? passwordFile : undefined,
    async close() {
      await app.close();
      await connection.close();
      await tracing?.shutdown();
    },
  };
}
