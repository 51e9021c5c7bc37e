/**
 * Sample predictions of a stage's model on held-out images of its data, for the stage page to
 * draw next to the ground truth. Predicted through the serving runtime, like everything else.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readManifest, type ManifestEntry } from '@aip/datasets-spec';
import { createPipeline, type StageResult } from '@aip/serving';
import type { PlanStage } from '@aip/workflows';
import type { ModelDescription, PipelineSpecFile } from './pipeline-spec.ts';

export const SAMPLE_COUNT = 12;

export interface StageSample {
  path: string;
  width: number;
  height: number;
  /** Ground truth in this stage's classes (the dataset's labels mapped by the label map). */
  truth: {
    class?: string;
    boxes?: Array<{ x1: number; y1: number; x2: number; y2: number; label: string }>;
    polygons?: Array<{ points: [number, number][]; label: string }>;
  };
  prediction: StageResult;
}

export async function predictSamples(options: {
  stage: PlanStage;
  dataDir: string;
  modelDir: string;
  labelMap: Record<string, string>;
}): Promise<StageSample[]> {
  const { stage, labelMap } = options;
  const description = JSON.parse(await readFile(path.join(options.modelDir, 'model.json'), 'utf8')) as ModelDescription;
  const classOf = (label: string) => (description.classes.includes(label) ? label : labelMap[label]);
  const { entries } = await readManifest(options.dataDir);
  const heldOut = entries.filter((entry) => entry.split === 'test');
  const chosen = (heldOut.length > 0 ? heldOut : entries.filter((entry) => entry.split === 'val')).slice(0, SAMPLE_COUNT);

  // The stage alone, on whole images of its own data (crops, for a stage below a detector).
  const spec: PipelineSpecFile = {
    version: 1,
    name: stage.name,
    stages: [
      {
        id: stage.nodeId,
        name: stage.name,
        task: description.task,
        model: 'model.onnx',
        classes: description.classes,
        inputSize: description.inputSize,
        ...(description.scoreThreshold === undefined ? {} : { scoreThreshold: description.scoreThreshold }),
        ...(description.charset === undefined ? {} : { charset: description.charset }),
        ...(description.textDetection === undefined ? {} : { textDetection: description.textDetection }),
        input: null,
      },
    ],
  };
  const pipeline = await createPipeline(spec, options.modelDir, `${stage.nodeId} samples`);
  try {
    const samples: StageSample[] = [];
    for (const entry of chosen) {
      const result = await pipeline.run(await readFile(path.join(options.dataDir, entry.path)));
      samples.push({
        path: entry.path,
        width: entry.width,
        height: entry.height,
        // Text lines are labelled with their texts, not classes: shown as they are.
        truth: description.task === 'text_detection' ? { boxes: entry.boxes ?? [], polygons: entry.polygons ?? [] } : truthOf(entry, classOf),
        prediction: result.results[stage.nodeId]!,
      });
    }
    return samples;
  } finally {
    await pipeline.close();
  }
}

function truthOf(entry: ManifestEntry, classOf: (label: string) => string | undefined): StageSample['truth'] {
  if (entry.class !== undefined) {
    const cls = classOf(entry.class);
    return cls === undefined ? {} : { class: cls };
  }
  if (entry.polygons !== undefined) {
    return {
      polygons: entry.polygons.flatMap((polygon) => {
        const label = classOf(polygon.label);
        return label === undefined ? [] : [{ ...polygon, label }];
      }),
    };
  }
  return {
    boxes: (entry.boxes ?? []).flatMap((box) => {
      const label = classOf(box.label);
      return label === undefined ? [] : [{ ...box, label }];
    }),
  };
}
