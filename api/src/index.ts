/** @aip/api: the AIP HTTP API (Fastify). The caller (infra's start script) owns the server. */
export { buildApp, LOG_REDACT_PATHS } from './app.ts';
export { DEFAULT_UPLOAD_MAX_BYTES, type ApiConfig, type AppDeps } from './deps.ts';
export { ensureAdminPassword, ensureAdminToken, hashToken, isAdminPassword, type EnsuredAdmin } from './auth.ts';
export { signDelivery, REPLAY_WINDOW_S } from './routes/labeling-hooks.ts';
