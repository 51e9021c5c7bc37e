/**
 * The activities the workflows call (the contract in @aip/workflows/temporal), bound to one
 * worker's services.
 */
import type { PlatformActivities } from '@aip/workflows/temporal';
import { evaluateCascade } from './cascade.ts';
import type { ActivityDeps } from './deps.ts';
import { evaluateStage } from './evaluate.ts';
import { ingestDataset } from './ingest.ts';
import { importLabels, openLabelingJob } from './labeling.ts';
import { packageBundle } from './package-bundle.ts';
import { prepareStage } from './prepare.ts';
import { recordRun, recordStage } from './records.ts';
import { registerModel, resolveModel } from './register.ts';
import { trainStage } from './train.ts';

export function createActivities(deps: ActivityDeps): PlatformActivities {
  return {
    ingestDataset: (input) => ingestDataset(deps, input),
    recordRun: (input) => recordRun(deps, input),
    recordStage: (input) => recordStage(deps, input),
    prepareStage: (input) => prepareStage(deps, input),
    openLabelingJob: (input) => openLabelingJob(deps, input),
    importLabels: (input) => importLabels(deps, input),
    trainStage: (input) => trainStage(deps, input),
    evaluateStage: (input) => evaluateStage(deps, input),
    registerModel: (input) => registerModel(deps, input),
    resolveModel: (input) => resolveModel(deps, input),
    packageBundle: (input) => packageBundle(deps, input),
    evaluateCascade: (input) => evaluateCascade(deps, input),
  };
}
