import ort from 'onnxruntime-node';
import { type DecodedImage, type Box, fromOutputTensor, toInputTensorData } from './image.ts';
import { maskRegions, type MaskRegion } from './mask-outline.ts';
import { DEFAULT_SCORE_THRESHOLD, type ModelSpec, readModelJson } from './model-spec.ts';
import { type TextLine, decodeTextDetection } from './text-detect.ts';
import type { Point, Quad } from './text-line.ts';

export interface ClassificationPrediction {
  task: 'classification';
  class: string;
  score: number;
  /** Probability of every class, by class name. */
  scores: Record<string, number>;
}

export interface DetectedBox {
  class: string;
  score: number;
  /** In pixels of the image given to predict(). */
  box: Box;
}

export interface DetectionPrediction {
  task: 'detection';
  /** Objects at or above the score threshold, highest score first. */
  objects: DetectedBox[];
}

export interface TextDetectionPrediction {
  task: 'text_detection';
  /** Text lines as rotated rectangles in pixels of the image given to predict(), highest score first. */
  lines: TextLine[];
}

export interface SegmentationPrediction {
  task: 'segmentation';
  /** The classes found, largest first, outlined in pixels of the image given to predict(). */
  regions: MaskRegion[];
}

export interface TextRecognitionPrediction {
  task: 'text_recognition';
  /** The text read; empty when the model saw none. */
  text: string;
  /** Mean probability of its characters (0 for an empty text). */
  score: number;
}

export interface EnhancementPrediction {
  task: 'enhancement';
  /** The enhanced image, at the size of the image given to predict(). */
  image: DecodedImage;
}

export type Prediction =
  | ClassificationPrediction
  | DetectionPrediction
  | TextDetectionPrediction
  | SegmentationPrediction
  | TextRecognitionPrediction
  | EnhancementPrediction;

export interface Model {
  readonly path: string;
  readonly spec: ModelSpec;
  predict(image: DecodedImage): Promise<Prediction>;
  close(): Promise<void>;
}

/** The model's outputs do not have the shape the contract (and its model.json) promise. */
export class ModelOutputError extends Error {
  constructor(path: string, problem: string) {
    super(`model ${path}: ${problem}`);
    this.name = 'ModelOutputError';
  }
}

const OUTPUTS: Record<ModelSpec['task'], string[]> = {
  classification: ['probs'],
  detection: ['boxes', 'scores', 'labels'],
  text_detection: ['prob'],
  segmentation: ['mask'],
  text_recognition: ['indices', 'scores'],
  enhancement: ['enhanced'],
};

/**
 * Load an ONNX model. `spec` defaults to the model.json beside it (`x.onnx` → `x.json`,
 * so both the trainer's `model.onnx`/`model.json` and a bundle's `models/<id>.onnx` work).
 */
export async function loadModel(onnxPath: string, spec?: ModelSpec): Promise<Model> {
  const modelSpec = spec ?? (await readModelJson(onnxPath.replace(/\.onnx$/i, '') + '.json'));
  // model.json and pipeline.json are validated for it; a spec built in code may still lack it.
  if (modelSpec.task === 'text_detection' && modelSpec.textDetection === undefined) {
    throw new Error(`text detection model ${onnxPath}: its spec lacks the textDetection decoding parameters`);
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnxPath);
  } catch (err) {
    throw new Error(`cannot load ONNX model ${onnxPath}: ${(err as Error).message}`, { cause: err });
  }
  const missing = [
    ...(['image'].filter((n) => !session.inputNames.includes(n)).map((n) => `input "${n}"`)),
    ...OUTPUTS[modelSpec.task].filter((n) => !session.outputNames.includes(n)).map((n) => `output "${n}"`),
  ];
  if (missing.length > 0) {
    await session.release();
    throw new Error(
      `ONNX model ${onnxPath} (${modelSpec.task}) lacks ${missing.join(', ')}; it has inputs ` +
        `${JSON.stringify(session.inputNames)} and outputs ${JSON.stringify(session.outputNames)}`,
    );
  }
  return new OnnxModel(onnxPath, modelSpec, session);
}

class OnnxModel implements Model {
  constructor(
    readonly path: string,
    readonly spec: ModelSpec,
    private readonly session: ort.InferenceSession,
  ) {}

  async predict(image: DecodedImage): Promise<Prediction> {
    const [height, width] = this.spec.inputSize;
    const data = await toInputTensorData(image, this.spec.inputSize);
    const feeds = { image: new ort.Tensor('float32', data, [1, 3, height, width]) };
    const outputs = await this.session.run(feeds, OUTPUTS[this.spec.task]);
    switch (this.spec.task) {
      case 'classification':
        return this.readClassification(outputs);
      case 'detection':
        return this.readDetection(outputs, image);
      case 'text_detection':
        return this.readTextDetection(outputs, image);
      case 'segmentation':
        return this.readSegmentation(outputs, image);
      case 'text_recognition':
        return this.readText(outputs);
      case 'enhancement':
        return this.readEnhanced(outputs, image);
    }
  }

  close(): Promise<void> {
    return this.session.release();
  }

  private readClassification(outputs: ort.InferenceSession.OnnxValueMapType): ClassificationPrediction {
    const probs = this.tensor(outputs, 'probs', ['float32']);
    const { classes } = this.spec;
    if (probs.data.length !== classes.length) {
      throw new ModelOutputError(
        this.path,
        `output "probs" has shape ${JSON.stringify(probs.dims)} but the model lists ${classes.length} classes`,
      );
    }
    const values = Array.from(probs.data as Float32Array);
    let best = 0;
    values.forEach((v, i) => {
      if (v > values[best]!) best = i;
    });
    return {
      task: 'classification',
      class: classes[best]!,
      score: values[best]!,
      scores: Object.fromEntries(classes.map((c, i) => [c, values[i]!])),
    };
  }

  private readDetection(outputs: ort.InferenceSession.OnnxValueMapType, image: DecodedImage): DetectionPrediction {
    const boxes = this.tensor(outputs, 'boxes', ['float32']);
    const scores = this.tensor(outputs, 'scores', ['float32']);
    const labels = this.tensor(outputs, 'labels', ['int64', 'int32']);
    const count = scores.data.length;
    if (boxes.data.length !== count * 4 || labels.data.length !== count) {
      throw new ModelOutputError(
        this.path,
        `outputs disagree: boxes ${JSON.stringify(boxes.dims)}, scores ${JSON.stringify(scores.dims)}, ` +
          `labels ${JSON.stringify(labels.dims)} (expected [K, 4], [K], [K])`,
      );
    }
    const { classes } = this.spec;
    const threshold = this.spec.scoreThreshold ?? DEFAULT_SCORE_THRESHOLD;
    const objects: DetectedBox[] = [];
    for (let k = 0; k < count; k++) {
      const score = (scores.data as Float32Array)[k]!;
      if (!(score >= threshold)) continue;
      const label = Number(labels.data[k]);
      const cls = classes[label];
      if (cls === undefined) {
        throw new ModelOutputError(this.path, `label ${label} is not an index into its ${classes.length} classes`);
      }
      const b = (boxes.data as Float32Array).subarray(4 * k, 4 * k + 4);
      objects.push({ class: cls, score, box: toPixels(b, image.width, image.height) });
    }
    objects.sort((a, b) => b.score - a.score);
    return { task: 'detection', objects };
  }

  private readTextDetection(outputs: ort.InferenceSession.OnnxValueMapType, image: DecodedImage): TextDetectionPrediction {
    const prob = this.tensor(outputs, 'prob', ['float32']);
    const [height, width] = this.spec.inputSize;
    if (prob.data.length !== height * width) {
      throw new ModelOutputError(this.path, `output "prob" has shape ${JSON.stringify(prob.dims)}, expected [1, ${height}, ${width}]`);
    }
    // loadModel refused a text detection spec without its parameters.
    const lines = decodeTextDetection(prob.data as Float32Array, [height, width], [image.width, image.height], this.spec.textDetection!);
    return { task: 'text_detection', lines: lines.map(({ points, score }) => ({ points: points.map(roundPoint) as Quad, score })) };
  }

  private readSegmentation(outputs: ort.InferenceSession.OnnxValueMapType, image: DecodedImage): SegmentationPrediction {
    const mask = this.tensor(outputs, 'mask', ['int64', 'int32']);
    const [height, width] = this.spec.inputSize;
    if (mask.data.length !== height * width) {
      throw new ModelOutputError(this.path, `output "mask" has shape ${JSON.stringify(mask.dims)}, expected [1, ${height}, ${width}]`);
    }
    const { classes } = this.spec;
    const indices = Int32Array.from(mask.data as ArrayLike<number | bigint>, Number);
    const wrong = indices.find((k) => k < 0 || k > classes.length);
    if (wrong !== undefined) throw new ModelOutputError(this.path, `mask value ${wrong} is neither background (0) nor one of its ${classes.length} classes`);
    return { task: 'segmentation', regions: maskRegions(indices, [height, width], classes, [image.width, image.height]) };
  }

  private readText(outputs: ort.InferenceSession.OnnxValueMapType): TextRecognitionPrediction {
    const indices = this.tensor(outputs, 'indices', ['int64', 'int32']);
    const scores = this.tensor(outputs, 'scores', ['float32']);
    if (indices.data.length !== scores.data.length) {
      throw new ModelOutputError(this.path, `outputs disagree: indices ${JSON.stringify(indices.dims)}, scores ${JSON.stringify(scores.dims)} (expected [N], [N])`);
    }
    const charset = this.spec.charset ?? [];
    let text = '';
    for (const value of Array.from(indices.data as ArrayLike<number | bigint>, Number)) {
      const char = charset[value - 1];
      if (char === undefined) throw new ModelOutputError(this.path, `character index ${value} is not in its charset of ${charset.length}`);
      text += char;
    }
    const values = Array.from(scores.data as Float32Array);
    return { task: 'text_recognition', text, score: values.length === 0 ? 0 : values.reduce((a, b) => a + b) / values.length };
  }

  private async readEnhanced(outputs: ort.InferenceSession.OnnxValueMapType, image: DecodedImage): Promise<EnhancementPrediction> {
    const enhanced = this.tensor(outputs, 'enhanced', ['float32']);
    const [height, width] = this.spec.inputSize;
    if (enhanced.data.length !== 3 * height * width) {
      throw new ModelOutputError(this.path, `output "enhanced" has shape ${JSON.stringify(enhanced.dims)}, expected [1, 3, ${height}, ${width}]`);
    }
    // Back to the size of the image given, so boxes of later stages are in its pixels.
    return { task: 'enhancement', image: await fromOutputTensor(enhanced.data as Float32Array, [height, width], image) };
  }

  private tensor(outputs: ort.InferenceSession.OnnxValueMapType, name: string, types: string[]): ort.Tensor {
    const value = outputs[name];
    if (!(value instanceof ort.Tensor) || !types.includes(value.type)) {
      const got = value instanceof ort.Tensor ? value.type : typeof value;
      throw new ModelOutputError(this.path, `output "${name}" should be a ${types.join('/')} tensor, got ${got}`);
    }
    return value;
  }
}

/** 1/100 px, like the boxes: finer is noise, and the JSON stays short. */
function roundPoint([x, y]: Point): Point {
  return [Math.round(x * 100) / 100, Math.round(y * 100) / 100];
}

/** Normalized xyxy → pixels of a width×height image, clamped to it, rounded to 1/100 px. */
function toPixels(b: Float32Array, width: number, height: number): Box {
  const px = (v: number, size: number) => Math.round(Math.min(Math.max(v, 0), 1) * size * 100) / 100;
  return { x1: px(b[0]!, width), y1: px(b[1]!, height), x2: px(b[2]!, width), y2: px(b[3]!, height) };
}
