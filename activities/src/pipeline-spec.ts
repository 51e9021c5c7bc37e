/**
 * Builds the serving runtime's `pipeline.json` from a compiled plan and the trained models' own
 * `model.json` files. Bundles and stage-data derivation both go through this, so the cascade that
 * cuts training crops is exactly the cascade that ships.
 */
import type { TextDetectionParams } from '@aip/serving';
import type { Plan, PlanStage } from '@aip/workflows';

/** The fields of a trainer `model.json` that the pipeline needs. */
export interface ModelDescription {
  task: string;
  classes: string[];
  inputSize: [number, number];
  scoreThreshold?: number;
  /** Text recognition: the characters its output indices point into. */
  charset?: string[];
  /** Text detection: how its probability map is decoded into lines. */
  textDetection?: TextDetectionParams;
}

export interface PipelineStageSpec {
  id: string;
  name: string;
  task: string;
  model: string;
  classes: string[];
  inputSize: [number, number];
  scoreThreshold?: number;
  charset?: string[];
  textDetection?: TextDetectionParams;
  input: null | { stage: string; class?: string };
}

export interface PipelineSpecFile {
  version: 1;
  name: string;
  stages: PipelineStageSpec[];
}

/** The stages from the root down to `nodeId` (inclusive), root first. */
export function pathToStage(plan: Plan, nodeId: string): PlanStage[] {
  const byId = new Map(plan.stages.map((stage) => [stage.nodeId, stage]));
  const chain: PlanStage[] = [];
  for (let current = byId.get(nodeId); current; ) {
    chain.unshift(current);
    current = current.input.kind === 'stage' ? byId.get(current.input.nodeId) : undefined;
  }
  return chain;
}

export function buildPipelineSpec(
  name: string,
  stages: PlanStage[],
  models: Record<string, ModelDescription>,
): PipelineSpecFile {
  return {
    version: 1,
    name,
    stages: stages.map((stage) => {
      const model = models[stage.nodeId];
      if (!model) throw new Error(`no trained model for stage "${stage.nodeId}"`);
      return {
        id: stage.nodeId,
        name: stage.name,
        task: model.task,
        model: `models/${stage.nodeId}.onnx`,
        classes: model.classes,
        inputSize: model.inputSize,
        ...(model.scoreThreshold === undefined ? {} : { scoreThreshold: model.scoreThreshold }),
        ...(model.charset === undefined ? {} : { charset: model.charset }),
        ...(model.textDetection === undefined ? {} : { textDetection: model.textDetection }),
        input:
          stage.input.kind === 'stage'
            ? { stage: stage.input.nodeId, class: stage.input.class }
            : null,
      };
    }),
  };
}
