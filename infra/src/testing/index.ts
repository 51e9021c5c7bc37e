/** Test support shared by the platform's end-to-end and browser tests. */
export { startEmbeddedPlatform, type EmbeddedPlatform } from './embedded-platform.ts';
export { freePort } from './free-port.ts';
export * from './shapes-dataset.ts';
