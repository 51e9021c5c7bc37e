/**
 * @aip/workflows/temporal: the workflow functions, their queries and signals, the activity
 * contract and the task queues. Workers pass `workflowsPath` to the Temporal bundler; clients
 * import the functions for their types (`client.workflow.start(runFlowchartWorkflow, …)`).
 */
export * from './workflows.ts';
export * from './messages.ts';
export * from './activity-contract.ts';
export { TASK_QUEUES } from './task-queues.ts';
export { workflowsPath } from './workflows-path.ts';
export * from './search-attributes.ts';
export { ensureSearchAttributes, searchAttributeCommand, type OperatorConnection } from './register-search-attributes.ts';
