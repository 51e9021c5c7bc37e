/** The model refinery's catalogue and request validation (shared by the API, the worker and the web). */
export * from './algorithms.ts';
export * from './validate.ts';
export * from './upload.ts';
