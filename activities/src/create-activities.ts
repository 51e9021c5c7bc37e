/**
 * The activities the workflows call (the contract in @aip/workflows/temporal), bound to one
 * worker's services.
 */
import type { AtlasActivities, PlatformActivities, RefineryActivities } from '@aip/workflows/temporal';
import { updateAtlas } from './atlas.ts';
import { evaluateCascade } from './cascade.ts';
import type { ActivityDeps } from './deps.ts';
import { evaluateStage } from './evaluate.ts';
import { ingestDataset } from './ingest.ts';
import { validateUploadedModel } from './model-upload.ts';
import { evaluateRefinery, recordRefinery, registerRefineryModel, runRefineryJob, validateRefineryInputs } from './refinery.ts';
import { importLabels, openLabelingJob } from './labeling.ts';
import { packageBundle } from './package-bundle.ts';
import { prepareStage } from './prepare.ts';
import { recordRun, recordStage } from './records.ts';
import { registerModel, resolveModel } from './register.ts';
import { trainStage } from './train.ts';

/** Every activity: the flowchart runs', the model refinery's and the atlas's. */
export type AllActivities = PlatformActivities & RefineryActivities & AtlasActivities;

export function createActivities(deps: ActivityDeps): AllActivities {
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
    recordRefinery: (input) => recordRefinery(deps, input),
    validateRefineryInputs: (input) => validateRefineryInputs(deps, input),
    runRefineryJob: (input) => runRefineryJob(deps, input),
    evaluateRefinery: (input) => evaluateRefinery(deps, input),
    registerRefineryModel: (input) => registerRefineryModel(deps, input),
    validateUploadedModel: (input) => validateUploadedModel(deps, input),
    updateAtlas: (input) => updateAtlas(deps, input),
  };
}
