/**
 * @aip/workflows: the flowchart schema, its validator and its compiler to an execution plan.
 * Pure and browser-safe (the web editor imports it): nothing here may import @temporalio/* —
 * the Temporal workflow code lives on the `@aip/workflows/temporal` subpath.
 */
export * from './flowchart.ts';
export * from './architectures.ts';
export * from './context.ts';
export * from './problems.ts';
export * from './states.ts';
export { validateFlowchart } from './validate.ts';
export { compileFlowchart } from './compile.ts';
export type { HyperParameters, Plan, PlanStage, StageInput, TaskType } from './plan.ts';
export * from './pools.ts';
export * from './refinery/index.ts';
