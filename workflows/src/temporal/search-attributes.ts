/**
 * The custom search attributes AIP sets on its workflows, so operators can filter runs in the
 * Temporal UI (`AipRunId="run_…"`, `AipStageState="failed"`). Shared by the workflows (which set
 * them on stage workflows and upsert the stage's state) and the clients (the API starts runs with
 * them). Deterministic: the workflow bundle imports this file.
 *
 * Every namespace AIP runs in must have them registered (`ensureSearchAttributes`, or the dev
 * server's `--search-attribute` flags); a run started without them (a namespace where they could
 * not be registered) runs exactly as before, without search attributes.
 */
import { defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';

/** The run id (also the run workflow's id): on the run and on each of its stage workflows. */
export const AipRunId = defineSearchAttributeKey('AipRunId', 'KEYWORD');
/** The flowchart the run was started from. */
export const AipFlowchartId = defineSearchAttributeKey('AipFlowchartId', 'KEYWORD');
/** The user id of the run's owner. */
export const AipOwner = defineSearchAttributeKey('AipOwner', 'KEYWORD');
/** The flowchart node a stage workflow trains. */
export const AipNodeId = defineSearchAttributeKey('AipNodeId', 'KEYWORD');
/** A stage workflow's current state (`preparing`, `training`, `succeeded`, … as recorded). */
export const AipStageState = defineSearchAttributeKey('AipStageState', 'KEYWORD');

/** Every AIP search attribute, for registering them (all Keyword). */
export const AIP_SEARCH_ATTRIBUTES = [AipRunId, AipFlowchartId, AipOwner, AipNodeId, AipStageState] as const;

/** The search attributes of a run workflow, as the API starts it. */
export function runSearchAttributes(run: { runId: string; flowchartId?: string | null; ownerId: string }): SearchAttributePair[] {
  return [
    { key: AipRunId, value: run.runId },
    ...(run.flowchartId ? [{ key: AipFlowchartId, value: run.flowchartId }] : []),
    { key: AipOwner, value: run.ownerId },
  ];
}
