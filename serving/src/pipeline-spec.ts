import { isAbsolute, posix } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { SpecError, checkSchema } from './validate.ts';

/** One stage of pipeline.json (docs/contracts.md "Bundle"). */
export const StageSpecSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  name: Type.Optional(Type.String()),
  task: Type.Union([Type.Literal('classification'), Type.Literal('detection'), Type.Literal('segmentation')]),
  /** Path of the ONNX file, relative to the bundle folder (e.g. `models/detect.onnx`). */
  model: Type.String({ minLength: 1 }),
  classes: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  /** [H, W] */
  inputSize: Type.Tuple([Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 })]),
  scoreThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  /** null: the whole image; else each box of class `class` found by detection stage `stage`. */
  input: Type.Union([
    Type.Null(),
    Type.Object({ stage: Type.String({ minLength: 1 }), class: Type.String({ minLength: 1 }) }),
  ]),
});
export type StageSpec = Static<typeof StageSpecSchema>;

export const PipelineSpecSchema = Type.Object({
  version: Type.Literal(1),
  name: Type.String(),
  stages: Type.Array(StageSpecSchema, { minItems: 1 }),
});
export type PipelineSpec = Static<typeof PipelineSpecSchema>;

/**
 * Validate a parsed pipeline.json: the schema, then what a schema cannot say (unique ids, inputs
 * naming a detection stage and one of its classes, no cycles, model paths inside the bundle).
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
    const duplicates = stage.classes.filter((c, j) => stage.classes.indexOf(c) !== j);
    if (duplicates.length > 0) problems.push(`${at}/classes: duplicate class names ${JSON.stringify(duplicates)}`);
  });
  spec.stages.forEach((stage, i) => {
    if (stage.input === null) return;
    const at = `/stages/${i} ("${stage.id}")/input`;
    const parent = byId.get(stage.input.stage);
    if (parent === undefined) {
      problems.push(`${at}/stage: no stage has id "${stage.input.stage}"`);
    } else if (parent.task !== 'detection') {
      problems.push(`${at}/stage: "${parent.id}" is a ${parent.task} stage; only detection stages can feed others`);
    } else if (!parent.classes.includes(stage.input.class)) {
      problems.push(
        `${at}/class: "${stage.input.class}" is not one of the classes of "${parent.id}" ${JSON.stringify(parent.classes)}`,
      );
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
