import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { SpecError, checkSchema } from './validate.ts';

/** What a caller must know to feed a model and read its outputs (docs/contracts.md "Model files"). */
export const ModelSpecSchema = Type.Object({
  task: Type.Union([
    Type.Literal('classification'),
    Type.Literal('detection'),
    Type.Literal('text_detection'),
    Type.Literal('segmentation'),
    Type.Literal('text_recognition'),
    Type.Literal('enhancement'),
  ]),
  /** Empty for the tasks without classes (text detection, text recognition, enhancement). */
  classes: Type.Array(Type.String({ minLength: 1 })),
  /** Text recognition: the characters its `indices` output points into (1-based; 0 is the CTC blank). */
  charset: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  /** [H, W] the image is stretched to before inference. */
  inputSize: Type.Tuple([Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 })]),
  /** Detection only: objects scoring below this are dropped. */
  scoreThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  /** Text detection: how its probability map is decoded into lines (text-detect.ts). */
  textDetection: Type.Optional(
    Type.Object({
      binaryThreshold: Type.Number({ minimum: 0, maximum: 1 }),
      boxThreshold: Type.Number({ minimum: 0, maximum: 1 }),
      unclipRatio: Type.Number({ minimum: 0 }),
      minSize: Type.Number({ minimum: 0 }),
    }),
  ),
});
export type ModelSpec = Static<typeof ModelSpecSchema>;
export type Task = ModelSpec['task'];

/** model.json as the trainer writes it; fields serving does not use are allowed and ignored. */
const ModelJsonSchema = Type.Intersect([Type.Object({ version: Type.Literal(1) }), ModelSpecSchema]);

/** Detection threshold used when neither pipeline.json nor model.json gives one. */
export const DEFAULT_SCORE_THRESHOLD = 0.3;

/** Validate a parsed model.json (or any object with the ModelSpec fields). */
export function parseModelSpec(value: unknown, where: string): ModelSpec {
  const spec = checkSchema(ModelJsonSchema, value, where);
  const problems = specProblems(spec);
  if (problems.length > 0) throw new SpecError(where, problems);
  return {
    task: spec.task,
    classes: spec.classes,
    inputSize: spec.inputSize,
    ...(spec.scoreThreshold === undefined ? {} : { scoreThreshold: spec.scoreThreshold }),
    ...(spec.charset === undefined ? {} : { charset: spec.charset }),
    ...(spec.textDetection === undefined ? {} : { textDetection: textDetectionParams(spec.textDetection) }),
  };
}

/** Only the four parameters: model.json may carry more in the block, the pipeline needs these. */
function textDetectionParams(block: NonNullable<ModelSpec['textDetection']>): NonNullable<ModelSpec['textDetection']> {
  const { binaryThreshold, boxThreshold, unclipRatio, minSize } = block;
  return { binaryThreshold, boxThreshold, unclipRatio, minSize };
}

/**
 * What the schema cannot say: unique classes, classes for the tasks that have them, a charset for
 * text recognition, decoding parameters for text detection.
 */
export function specProblems(spec: Pick<ModelSpec, 'task' | 'classes' | 'charset' | 'textDetection'>): string[] {
  const problems: string[] = [];
  const duplicates = spec.classes.filter((c, i) => spec.classes.indexOf(c) !== i);
  if (duplicates.length > 0) problems.push(`/classes: duplicate class names ${JSON.stringify(duplicates)}`);
  const classless = spec.task === 'text_detection' || spec.task === 'text_recognition' || spec.task === 'enhancement';
  if (!classless && spec.classes.length === 0) problems.push(`/classes: a ${spec.task} model needs at least one class`);
  if (spec.task === 'text_recognition' && spec.charset === undefined) problems.push('/charset: a text recognition model needs its charset');
  if (spec.task === 'text_detection' && spec.textDetection === undefined) {
    problems.push('/textDetection: a text detection model needs its decoding parameters {binaryThreshold, boxThreshold, unclipRatio, minSize}');
  }
  return problems;
}

/** Read and validate a model.json file. */
export async function readModelJson(path: string): Promise<ModelSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read model description ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SpecError(path, [`not valid JSON: ${(err as Error).message}`]);
  }
  return parseModelSpec(value, path);
}
