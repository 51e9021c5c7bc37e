import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Box, type DecodedImage, cropImage, decodeImage, encodePng } from './image.ts';
import type { MaskRegion, Point } from './mask-outline.ts';
import { type Model, loadModel } from './model.ts';
import { type PipelineSpec, type StageSpec, parsePipelineSpec } from './pipeline-spec.ts';
import { type Quad, type Point as LinePoint, rectifyTextLine } from './text-line.ts';
import { SpecError } from './validate.ts';

// The nested `data.results` of POST /aip (docs/contracts.md "POST /aip").
export interface ClassificationResult {
  task: 'classification';
  class: string;
  score: number;
  /** Results of the stages this image was routed to by its class, by stage id; only when some stage takes this one's output. */
  children?: Record<string, StageResult>;
}

export interface DetectedObject {
  class: string;
  score: number;
  /** In pixels of the original image, whatever stage found it. */
  box: Box;
  /** The class of the first classification stage run on this box, else `class`. */
  fineClass: string;
  fineScore: number;
  /** Results of the stages fed by this box, by stage id. */
  children: Record<string, StageResult>;
}

export interface DetectionResult {
  task: 'detection';
  objects: DetectedObject[];
}

export interface TextLineResult {
  /** The line's rotated rectangle in pixels of the original image: clockwise, top-left corner first. */
  points: Quad;
  score: number;
  /** Results of the stages that read this line (cut out upright), by stage id. */
  children: Record<string, StageResult>;
}

export interface TextDetectionResult {
  task: 'text_detection';
  /** Highest score first. */
  lines: TextLineResult[];
}

export interface SegmentationResult {
  task: 'segmentation';
  /** The classes found, largest first; outlines in pixels of the original image. */
  regions: MaskRegion[];
}

export interface TextRecognitionResult {
  task: 'text_recognition';
  text: string;
  score: number;
}

export interface EnhancementResult {
  task: 'enhancement';
  width: number;
  height: number;
  /** The enhanced image, PNG, base64. */
  image: string;
  /** Results of the stages that ran on the enhanced image, by stage id; only when some stage takes this one's output. */
  children?: Record<string, StageResult>;
}

export type StageResult =
  | ClassificationResult
  | DetectionResult
  | TextDetectionResult
  | SegmentationResult
  | TextRecognitionResult
  | EnhancementResult;

export interface PipelineResult {
  width: number;
  height: number;
  /** Root stages (input: null) by id. */
  results: Record<string, StageResult>;
}

export interface RunOptions {
  /**
   * Run only these stages (and the stages above them, which they need); default all. The
   * platform uses this to derive a stage's training data from the trained stages above it.
   */
  stages?: readonly string[];
}

export interface Pipeline {
  /** Folder model paths are relative to. */
  readonly dir: string;
  readonly spec: PipelineSpec;
  /** Run the cascade on encoded image bytes (decoded with EXIF rotation) or an already decoded image. */
  run(image: Uint8Array | DecodedImage, options?: RunOptions): Promise<PipelineResult>;
  /** Release the ONNX sessions. */
  close(): Promise<void>;
}

/** Read `<dir>/pipeline.json` and load its models (paths relative to `dir`). */
export async function loadPipeline(dir: string): Promise<Pipeline> {
  const path = join(dir, 'pipeline.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message} (is ${dir} a bundle folder?)`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SpecError(path, [`not valid JSON: ${(err as Error).message}`]);
  }
  return createPipeline(value, dir, path);
}

/**
 * Build a pipeline from a pipeline.json object (validated here) whose model paths are relative to
 * `dir`; for callers that assemble the stages themselves rather than writing pipeline.json.
 */
export async function createPipeline(spec: unknown, dir: string, where = 'pipeline spec'): Promise<Pipeline> {
  const pipelineSpec = parsePipelineSpec(spec, where);
  const root = resolve(dir);
  const loaded = await Promise.allSettled(
    pipelineSpec.stages.map((stage) =>
      loadModel(join(root, stage.model), {
        task: stage.task,
        classes: stage.classes,
        inputSize: stage.inputSize,
        ...(stage.scoreThreshold === undefined ? {} : { scoreThreshold: stage.scoreThreshold }),
        ...(stage.charset === undefined ? {} : { charset: stage.charset }),
        ...(stage.textDetection === undefined ? {} : { textDetection: stage.textDetection }),
      }),
    ),
  );
  const failures = loaded.flatMap((r, i) =>
    r.status === 'rejected' ? [`stage "${pipelineSpec.stages[i]!.id}": ${(r.reason as Error).message}`] : [],
  );
  const models = loaded.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (failures.length > 0) {
    await Promise.all(models.map((m) => m.close()));
    throw new Error(`cannot load the models of ${where}:\n  - ${failures.join('\n  - ')}`);
  }
  return new CascadePipeline(root, pipelineSpec, models);
}

/** Same as `pipeline.run()`. */
export function runPipeline(
  pipeline: Pipeline,
  image: Uint8Array | DecodedImage,
  options?: RunOptions,
): Promise<PipelineResult> {
  return pipeline.run(image, options);
}

/**
 * Every object that stage `stageId` found, wherever it sits in the tree (boxes in original image
 * pixels), optionally only those of class `cls`.
 */
export function collectObjects(result: PipelineResult, stageId: string, cls?: string): DetectedObject[] {
  const found: DetectedObject[] = [];
  visitStages(result.results, (id, stage) => {
    if (stage.task !== 'detection' || id !== stageId) return;
    found.push(...stage.objects.filter((object) => cls === undefined || object.class === cls));
  });
  return found;
}

/** Every text line that stage `stageId` found, wherever it sits in the tree (points in original image pixels). */
export function collectTextLines(result: PipelineResult, stageId: string): TextLineResult[] {
  const found: TextLineResult[] = [];
  visitStages(result.results, (id, stage) => {
    if (stage.task === 'text_detection' && id === stageId) found.push(...stage.lines);
  });
  return found;
}

/** Call `visit` on every stage result of the tree, parents before their children. */
function visitStages(results: Record<string, StageResult>, visit: (id: string, stage: StageResult) => void): void {
  for (const [id, stage] of Object.entries(results)) {
    visit(id, stage);
    switch (stage.task) {
      case 'classification':
      case 'enhancement':
        visitStages(stage.children ?? {}, visit);
        break;
      case 'detection':
        for (const object of stage.objects) visitStages(object.children, visit);
        break;
      case 'text_detection':
        for (const line of stage.lines) visitStages(line.children, visit);
        break;
    }
  }
}

interface Origin {
  left: number;
  top: number;
}

class CascadePipeline implements Pipeline {
  private readonly models = new Map<string, Model>();
  private readonly byId = new Map<string, StageSpec>();

  constructor(
    readonly dir: string,
    readonly spec: PipelineSpec,
    models: Model[],
  ) {
    spec.stages.forEach((stage, i) => {
      this.byId.set(stage.id, stage);
      this.models.set(stage.id, models[i]!);
    });
  }

  async run(input: Uint8Array | DecodedImage, options: RunOptions = {}): Promise<PipelineResult> {
    const selected = this.select(options.stages);
    const image = input instanceof Uint8Array ? await decodeImage(input) : input;
    const results: Record<string, StageResult> = {};
    for (const stage of selected.filter((s) => s.input === null)) {
      results[stage.id] = await this.runStage(stage, selected, image, { left: 0, top: 0 });
    }
    return { width: image.width, height: image.height, results };
  }

  async close(): Promise<void> {
    await Promise.all([...this.models.values()].map((m) => m.close()));
  }

  /** The requested stages plus their ancestors, in pipeline.json order. */
  private select(ids: readonly string[] | undefined): StageSpec[] {
    if (ids === undefined) return this.spec.stages;
    const wanted = new Set<string>();
    for (const id of ids) {
      let stage = this.byId.get(id);
      if (stage === undefined) {
        throw new Error(`unknown stage "${id}"; the pipeline has ${JSON.stringify([...this.byId.keys()])}`);
      }
      while (stage) {
        wanted.add(stage.id);
        stage = stage.input ? this.byId.get(stage.input.stage) : undefined;
      }
    }
    return this.spec.stages.filter((s) => wanted.has(s.id));
  }

  /**
   * Run `stage` on `view`: the whole image, a crop of it whose top-left corner sits at `origin` in
   * the original image, or an enhanced version of either (same size, same place).
   */
  private async runStage(stage: StageSpec, selected: StageSpec[], view: DecodedImage, origin: Origin): Promise<StageResult> {
    const prediction = await this.models.get(stage.id)!.predict(view);
    const consumers = selected.filter((s) => s.input?.stage === stage.id);
    const runChildren = async (fed: StageSpec[], childView: DecodedImage, childOrigin: Origin) => {
      const children: Record<string, StageResult> = {};
      for (const child of fed) children[child.id] = await this.runStage(child, selected, childView, childOrigin);
      return children;
    };
    switch (prediction.task) {
      case 'classification': {
        // Routed by class: the stages taking this class see the same image.
        const result: ClassificationResult = { task: 'classification', class: prediction.class, score: prediction.score };
        if (consumers.length > 0) result.children = await runChildren(consumers.filter((s) => s.input?.class === prediction.class), view, origin);
        return result;
      }
      case 'segmentation':
        return { task: 'segmentation', regions: prediction.regions.map((region) => shiftRegion(region, origin)) };
      case 'text_recognition':
        return { task: 'text_recognition', text: prediction.text, score: prediction.score };
      case 'enhancement': {
        const { image } = prediction;
        const result: EnhancementResult = { task: 'enhancement', width: image.width, height: image.height, image: (await encodePng(image)).toString('base64') };
        if (consumers.length > 0) result.children = await runChildren(consumers, image, origin);
        return result;
      }
      case 'text_detection': {
        const lines = await Promise.all(
          prediction.lines.map(async (line): Promise<TextLineResult> => ({
            points: shiftQuad(line.points, origin),
            score: line.score,
            // Cut upright from the view this stage saw, at full resolution. Only text recognition
            // reads lines (pipeline-spec.ts), so the origin handed down places nothing.
            children: consumers.length > 0 ? await runChildren(consumers, rectifyTextLine(view, line.points), origin) : {},
          })),
        );
        return { task: 'text_detection', lines };
      }
      case 'detection':
        break;
    }
    const objects = await Promise.all(
      prediction.objects.map(async (found): Promise<DetectedObject> => {
        const fed = consumers.filter((s) => s.input?.class === found.class);
        let children: Record<string, StageResult> = {};
        if (fed.length > 0) {
          // Cut from the view this stage saw, at full resolution.
          const crop = await cropImage(view, found.box);
          children = await runChildren(fed, crop.image, { left: origin.left + crop.left, top: origin.top + crop.top });
        }
        const fine = Object.values(children).find((r): r is ClassificationResult => r.task === 'classification');
        return {
          class: found.class,
          score: found.score,
          box: shift(found.box, origin),
          fineClass: fine?.class ?? found.class,
          fineScore: fine?.score ?? found.score,
          children,
        };
      }),
    );
    return { task: 'detection', objects };
  }
}

/** Crop pixels → original pixels, kept at 1/100 px like the model's boxes. */
function shift(box: Box, { left, top }: Origin): Box {
  const at = (v: number, offset: number) => Math.round((v + offset) * 100) / 100;
  return { x1: at(box.x1, left), y1: at(box.y1, top), x2: at(box.x2, left), y2: at(box.y2, top) };
}

/** A text line found in a crop, in original-image pixels. */
function shiftQuad(quad: Quad, { left, top }: Origin): Quad {
  return quad.map(([x, y]): LinePoint => [Math.round((x + left) * 100) / 100, Math.round((y + top) * 100) / 100]) as Quad;
}

/** A region found in a crop, in original-image pixels. */
function shiftRegion(region: MaskRegion, { left, top }: Origin): MaskRegion {
  if (left === 0 && top === 0) return region;
  const ring = (points: Point[]): Point[] => points.map(([x, y]) => [Math.round((x + left) * 100) / 100, Math.round((y + top) * 100) / 100]);
  return { ...region, outlines: region.outlines.map((outline) => ({ points: ring(outline.points), holes: outline.holes.map(ring) })) };
}
