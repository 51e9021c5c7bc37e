import { isAbsolute, posix } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { ModelSpecSchema, specProblems } from './model-spec.ts';
import { SpecError, checkSchema } from './validate.ts';

/** One stage of pipeline.json (docs/contracts.md "Bundle"). */
export const StageSpecSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  name: Type.Optional(Type.String()),
  task: ModelSpecSchema.properties.task,
  /** Path of the ONNX file, relative to the bundle folder (e.g. `models/detect.onnx`). */
  model: Type.String({ minLength: 1 }),
  classes: ModelSpecSchema.properties.classes,
  charset: ModelSpecSchema.properties.charset,
  /** [H, W] */
  inputSize: ModelSpecSchema.properties.inputSize,
  scoreThreshold: ModelSpecSchema.properties.scoreThreshold,
  textDetection: ModelSpecSchema.properties.textDetection,
  /**
   * null: the whole image. Else the output of stage `stage`: each box of class `class` of a
   * detection stage (the crop), the image itself when a classification stage predicts `class`,
   * the enhanced image of an enhancement stage (no class), or each line of a text detection stage
   * cut out upright (no class; text recognition stages only).
   */
  input: Type.Union([
    Type.Null(),
    Type.Object({ stage: Type.String({ minLength: 1 }), class: Type.Optional(Type.String({ minLength: 1 })) }),
  ]),
});
export type StageSpec = Static<typeof StageSpecSchema>;

/** The tasks whose output another stage can take: boxes (crops), a routing class, an enhanced image, text lines. */
const FEEDING_TASKS: readonly StageSpec['task'][] = ['detection', 'classification', 'enhancement', 'text_detection'];

export const PipelineSpecSchema = Type.Object({
  version: Type.Literal(1),
  name: Type.String(),
  stages: Type.Array(StageSpecSchema, { minItems: 1 }),
});
export type PipelineSpec = Static<typeof PipelineSpecSchema>;

/**
 * Validate a parsed pipeline.json: the schema, then what a schema cannot say (unique ids, inputs
 * naming a stage that can feed others and one of its classes, no cycles, model paths inside the
 * bundle, classes or a charset as the task needs).
 * Throws a SpecError listing every problem.
 */
export function parsePipelineSpec(value: unknown, where: string): PipelineSpec {
  const spec = checkSchema(PipelineSpecSchema, value, where);
  const problems: string[] = [];
  const byId = new Map<string, StageSpec>();
  spec.stages.forEach((stage, i) => {
    const at = `/stages/${i} ("${stage.id}")`;
    if (byId.has(stage.id)) problems.push(`${at}: duplicate stage id`);
    else byId.set(stage.id, stage);
    const model = posix.normalize(stage.model);
    if (isAbsolute(stage.model) || model.startsWith('../') || model === '..' || stage.model.includes('\\')) {
      problems.push(`${at}/model: "${stage.model}" must be a relative path inside the bundle`);
    }
    problems.push(...specProblems(stage).map((problem) => `${at}${problem}`));
  });
  spec.stages.forEach((stage, i) => {
    if (stage.input === null) return;
    const at = `/stages/${i} ("${stage.id}")/input`;
    const parent = byId.get(stage.input.stage);
    const { class: cls } = stage.input;
    if (parent === undefined) {
      problems.push(`${at}/stage: no stage has id "${stage.input.stage}"`);
    } else if (!FEEDING_TASKS.includes(parent.task)) {
      problems.push(`${at}/stage: "${parent.id}" is a ${parent.task} stage; only detection, text detection, classification and enhancement stages feed others`);
    } else if (parent.task === 'enhancement') {
      if (cls !== undefined) problems.push(`${at}/class: an enhancement stage's output has no class; leave "class" out`);
    } else if (parent.task === 'text_detection') {
      // A rectified line has no place in the original image to map boxes or outlines back to: only its text is wanted.
      if (stage.task !== 'text_recognition') problems.push(`${at}/stage: "${parent.id}" is a text detection stage; only text recognition stages read its lines`);
      if (cls !== undefined) problems.push(`${at}/class: a text detection stage's lines have no class; leave "class" out`);
    } else if (cls === undefined) {
      problems.push(`${at}/class: say which class of "${parent.id}" feeds this stage, one of ${JSON.stringify(parent.classes)}`);
    } else if (!parent.classes.includes(cls)) {
      problems.push(`${at}/class: "${cls}" is not one of the classes of "${parent.id}" ${JSON.stringify(parent.classes)}`);
    }
  });
  if (problems.length === 0) {
    for (const stage of spec.stages) {
      const cycle = findCycle(stage, byId);
      if (cycle) {
        problems.push(`stages form a cycle: ${cycle.join(' → ')}`);
        break;
      }
    }
  }
  if (!spec.stages.some((s) => s.input === null)) problems.push('/stages: no stage runs on the whole image (input: null)');
  if (problems.length > 0) throw new SpecError(where, problems);
  return spec;
}

/** Follow the input chain up from `stage`; returns the ids around a cycle if it loops. */
function findCycle(stage: StageSpec, byId: Map<string, StageSpec>): string[] | null {
  const seen: string[] = [];
  let current: StageSpec | undefined = stage;
  while (current) {
    const at = seen.indexOf(current.id);
    if (at >= 0) return [...seen.slice(at), current.id];
    seen.push(current.id);
    current = current.input ? byId.get(current.input.stage) : undefined;
  }
  return null;
}
