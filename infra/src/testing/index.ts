/** Test support shared by the platform's end-to-end and browser tests. */
export { startEmbeddedPlatform, type EmbeddedPlatform } from './embedded-platform.ts';
export { freePort } from './free-port.ts';
export { PlatformApi, RUN_FINISHED, startBundle, waitFor, type ApiResponse, type Json, type RunningBundle } from './platform-api.ts';
export { seededRandom } from './random.ts';
export * from './shapes-dataset.ts';
export * from './text-dataset.ts';
export * from './enhancement-dataset.ts';
export { freshServiceEnv, requiredEnv } from './shared-services.ts';
