/**
 * Three-way parity, per task family: PyTorch, ONNX Runtime in Python and serving in Node give the
 * same answers on the same images, within TOLERANCES.
 *
 * Integration test. Needs the trainer's Python (AIP_PYTHON, exported by infra/scripts/setup.sh:
 * torch, onnxruntime and pytest of trainer/requirements.txt). test/parity-models.py trains one
 * small model per family with the trainer (its tests' datasets and job specs) and records the raw
 * outputs of PyTorch's deployable module and of model.onnx in ONNX Runtime on a few probe PNGs
 * at the model's input size. This file runs the same PNGs through serving's loader and `predict`
 * (decode, resize — a no-op at that size —, graph, post-processing: what each stage of POST /aip
 * runs, pipeline.ts) and decodes the Python outputs with serving's own post-processing, so the
 * three answers are compared like for like, pair by pair.
 *
 * The Python side takes under a minute on two busy cores; its results are kept in the temp folder
 * (aip-parity/) under a hash of all they depend on (trainer code, that script, the recipes, the
 * interpreter), so a rerun with the trainer unchanged takes seconds. A new family is one FAMILIES
 * entry. Alone, from the repository root:
 *   eval "$(bash infra/scripts/setup.sh)" && npx vitest run serving/src/parity.test.ts
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SERVING_DIR, testPython } from '../test/fixtures.ts';
import { decodeImage, fromOutputTensor } from './image.ts';
import { type MaskRegion, type Point, maskRegions } from './mask-outline.ts';
import { type Prediction, loadModel } from './model.ts';
import { DEFAULT_SCORE_THRESHOLD, type ModelSpec, readModelJson } from './model-spec.ts';
import { decodeTextDetection } from './text-detect.ts';

/**
 * How far two answers may be apart, by measure. PyTorch (ATen kernels) and ONNX Runtime (MLAS,
 * the same library in Python and Node) compute in float32 but sum in different orders and fuse
 * different operations: their values differ by about 1e-7 relative. The tolerances sit far above
 * that and far below what would change an answer a user sees.
 */
const TOLERANCES = {
  // Class probabilities (softmax) and text detection's probability map: the trainer's own export
  // check (tasks.py) uses 1e-3 too.
  probability: { max: 1e-3 },
  // Corners of boxes and text lines, as fractions of the image side: 2e-3 is under a pixel up to
  // 500 px inputs, and covers serving's rounding of corners to 1/100 px.
  box: { max: 2e-3 },
  // Detection scores and character probabilities: probabilities, as above.
  score: { max: 1e-3 },
  // Boxes (text lines) one runtime keeps and the other does not. Only one scoring within `score`
  // of the threshold may be on different sides of it; those are not counted.
  unmatched: { max: 0 },
  // Mask pixels of the same class (the masks as serving's outlines paint them): at class
  // boundaries, logits that tie to float32 precision may be argmax'ed either way.
  maskAgreement: { min: 0.995 },
  // Share of the image each class covers (serving's `area`): the same boundary pixels.
  area: { max: 0.005 },
  // Enhanced pixels on the 0..255 scale after rounding: a value within float noise of n + 0.5
  // rounds to n or n + 1.
  greyLevels: { max: 1 },
  // Texts read that differ: greedy CTC decoding must pick the same characters.
  textMismatch: { max: 0 },
} satisfies Record<string, { max: number } | { min: number }>;
type Measure = keyof typeof TOLERANCES;
type Measures = Partial<Record<Measure, number>>;

/**
 * Detection is compared down to this score, not model.json's threshold (0.3), as a pipeline stage's
 * `scoreThreshold` would set it: a detector trained for seconds scores few boxes above 0.3, and
 * dozens above 0.05 (the trainer's own export check compares down to 0.05 too).
 */
const DETECTION_PARITY_THRESHOLD = 0.05;

/**
 * Text lines are compared down to this probability (pixels) and mean probability (lines), not
 * model.json's `binaryThreshold` and `boxThreshold`, as a pipeline stage's `textDetection` would
 * set them: a text detector trained for seconds finds regions, but few that sure.
 */
const TEXT_LINE_PARITY_THRESHOLD = 0.2;

/** How test/parity-models.py makes a family's model (its header explains the fields). */
interface Recipe {
  generator: string;
  count: number;
  seed: number;
  generatorArgs?: Record<string, unknown>;
  /** A job-spec builder of trainer/tests/conftest.py, or the job's own fields where it has none. */
  builder?: string;
  job?: Record<string, unknown>;
  hyper: Record<string, number>;
  probes: number;
}

interface Tensor {
  dtype: 'float32' | 'int64';
  shape: number[];
  data: number[];
}
type Outputs = Record<string, Tensor>;

interface Probe {
  image: string;
  source: string;
  torch: Outputs;
  onnxruntime: Outputs;
}

interface FamilyRecord {
  model: string;
  metrics: Record<string, unknown>;
  probes: Probe[];
}

/** One task family: its model, and how its answers are read and compared. */
interface Family<A> {
  recipe: Recipe;
  /** The spec serving runs the model with, from its model.json (default: as is). */
  spec?(spec: ModelSpec): ModelSpec;
  /** The answer serving gives for these raw graph outputs (serving's own decoding). */
  fromOutputs(outputs: Outputs, spec: ModelSpec): A | Promise<A>;
  /** The answer serving gave. */
  fromPrediction(prediction: Prediction, spec: ModelSpec): A;
  /** How far apart two answers are. */
  measure(a: A, b: A, spec: ModelSpec): Measures;
  /**
   * What an answer holds that a broken runtime could get wrong, where that can be nothing (no box
   * found, an empty text): PyTorch's answers must hold some, or the comparison proves nothing.
   */
  compared?: { what: string; count(answer: A): number };
}

// Checks an entry against its own answer type A; method syntax (bivariant parameters) lets the
// table hold them all as Family<unknown>.
const family = <A>(f: Family<A>): Family<unknown> => f;

interface Detection {
  /** Empty for text lines. */
  class: string;
  score: number;
  /** Corner coordinates, normalized: xyxy for a box, [x, y] of each corner for a text line. */
  box: number[];
}

interface TextLines {
  lines: Detection[];
  /** The graph's probability map, where there is one (not in serving's answer). */
  prob?: number[];
}

interface Regions {
  /** Share of the image per class index (1-based; 0 stays 0). */
  areas: number[];
  /** Class index per pixel as the outlines paint it (0 = background). */
  painted: Uint8Array;
  /**
   * The graph's mask, where there is one (not in serving's answer). Outlines drop regions under 4
   * pixels, so only the masks themselves show scattered disagreements.
   */
  mask?: ArrayLike<number>;
}

const FAMILIES: Record<string, Family<unknown>> = {
  classification: family<number[]>({
    recipe: { generator: 'make_classification', count: 60, seed: 1, builder: 'cls_spec', hyper: { epochs: 2 }, probes: 4 },
    fromOutputs: (outputs) => tensor(outputs, 'probs').data,
    fromPrediction: (prediction, spec) => {
      if (prediction.task !== 'classification') throw new Error(`got a ${prediction.task} prediction`);
      return spec.classes.map((c) => prediction.scores[c]!);
    },
    measure: (a, b) => ({ probability: maxAbsDiff(a, b) }),
  }),

  detection: family<Detection[]>({
    // Trained for ten short epochs so that boxes score above DETECTION_PARITY_THRESHOLD.
    recipe: {
      generator: 'make_detection',
      count: 100,
      seed: 2,
      builder: 'det_spec',
      hyper: { epochs: 10, imageSize: 64, patience: 0 },
      probes: 4,
    },
    spec: (spec) => ({ ...spec, scoreThreshold: DETECTION_PARITY_THRESHOLD }),
    fromOutputs: (outputs, spec) => {
      const boxes = tensor(outputs, 'boxes').data;
      const labels = tensor(outputs, 'labels').data;
      const threshold = spec.scoreThreshold ?? DEFAULT_SCORE_THRESHOLD;
      // As serving reads them: at or above the threshold, corners clamped to the image.
      return tensor(outputs, 'scores').data.flatMap((score, k) => {
        if (!(score >= threshold)) return [];
        const box = boxes.slice(4 * k, 4 * k + 4).map((v) => Math.min(Math.max(v, 0), 1));
        return [{ class: spec.classes[labels[k]!]!, score, box }];
      });
    },
    fromPrediction: (prediction, spec) => {
      if (prediction.task !== 'detection') throw new Error(`got a ${prediction.task} prediction`);
      const [height, width] = spec.inputSize; // the probes are at the input size
      return prediction.objects.map(({ class: cls, score, box }) => ({
        class: cls,
        score,
        box: [box.x1 / width, box.y1 / height, box.x2 / width, box.y2 / height],
      }));
    },
    measure: (a, b, spec) => matchDetections(a, b, spec.scoreThreshold ?? DEFAULT_SCORE_THRESHOLD),
    compared: { what: 'boxes', count: (answer) => answer.length },
  }),

  segmentation: family<Regions>({
    recipe: {
      generator: 'make_segmentation',
      count: 80,
      seed: 3,
      builder: 'seg_spec',
      hyper: { epochs: 5, imageSize: 64, patience: 0 },
      probes: 4,
    },
    fromOutputs: (outputs, spec) => {
      const [height, width] = spec.inputSize;
      const mask = tensor(outputs, 'mask').data;
      return { ...regionsAnswer(maskRegions(mask, [height, width], spec.classes, [width, height]), spec), mask };
    },
    fromPrediction: (prediction, spec) => {
      if (prediction.task !== 'segmentation') throw new Error(`got a ${prediction.task} prediction`);
      return regionsAnswer(prediction.regions, spec);
    },
    measure: (a, b) => ({
      maskAgreement: Math.min(agreement(a.painted, b.painted), a.mask && b.mask ? agreement(a.mask, b.mask) : 1),
      area: maxAbsDiff(a.areas, b.areas),
    }),
    compared: { what: 'painted in two classes or more', count: (answer) => (new Set(answer.painted).size > 1 ? 1 : 0) },
  }),

  enhancement: family<Uint8Array>({
    recipe: { generator: 'make_enhancement', count: 30, seed: 4, builder: 'enh_spec', hyper: { epochs: 1, imageSize: 64 }, probes: 3 },
    fromOutputs: async (outputs, spec) => {
      const [height, width] = spec.inputSize;
      return (await fromOutputTensor(Float32Array.from(tensor(outputs, 'enhanced').data), [height, width], { width, height })).data;
    },
    fromPrediction: (prediction) => {
      if (prediction.task !== 'enhancement') throw new Error(`got a ${prediction.task} prediction`);
      return prediction.image.data;
    },
    measure: (a, b) => ({ greyLevels: maxAbsDiff(a, b) }),
  }),

  text_detection: family<TextLines>({
    recipe: {
      generator: 'make_text_detection',
      count: 60,
      seed: 6,
      // trainer/tests/conftest.py has no text detection builder (yet): the job's own fields.
      job: { task: 'text_detection', arch: 'tiny_dbnet', classes: [] },
      // A high learning rate: its probability maps clear TEXT_LINE_PARITY_THRESHOLD by far (peaks
      // near 1). At the default rate six epochs left peaks within 0.02 of it, so whether there
      // were lines to compare at all came down to the CPU's float rounding.
      hyper: { epochs: 8, imageSize: 96, patience: 0, learningRate: 0.01 },
      probes: 4,
    },
    spec: (spec) => ({
      ...spec,
      textDetection: { ...spec.textDetection!, binaryThreshold: TEXT_LINE_PARITY_THRESHOLD, boxThreshold: TEXT_LINE_PARITY_THRESHOLD },
    }),
    fromOutputs: (outputs, spec) => {
      const [height, width] = spec.inputSize;
      const prob = tensor(outputs, 'prob').data;
      const lines = decodeTextDetection(prob, [height, width], [width, height], spec.textDetection!);
      return { lines: lines.map(({ points, score }) => textLine(points, score, spec)), prob };
    },
    fromPrediction: (prediction, spec) => {
      if (prediction.task !== 'text_detection') throw new Error(`got a ${prediction.task} prediction`);
      return { lines: prediction.lines.map(({ points, score }) => textLine(points, score, spec)) };
    },
    measure: (a, b, spec) => ({
      ...matchDetections(a.lines, b.lines, spec.textDetection!.boxThreshold),
      ...(a.prob && b.prob ? { probability: maxAbsDiff(a.prob, b.prob) } : {}),
    }),
    compared: { what: 'text lines', count: (answer) => answer.lines.length },
  }),

  text_recognition: family<{ text: string; score: number }>({
    // Barely trained (one epoch at a learning rate of 1e-5): a CTC network first learns to answer
    // blank everywhere, long before it reads, and empty texts would compare nothing.
    recipe: {
      generator: 'make_text_recognition',
      count: 24,
      seed: 5,
      builder: 'text_spec',
      hyper: { epochs: 1, learningRate: 1e-5 },
      probes: 4,
    },
    fromOutputs: (outputs, spec) => {
      const scores = tensor(outputs, 'scores').data;
      return {
        text: tensor(outputs, 'indices').data.map((k) => spec.charset![k - 1]).join(''),
        score: scores.length === 0 ? 0 : scores.reduce((x, y) => x + y) / scores.length,
      };
    },
    fromPrediction: (prediction) => {
      if (prediction.task !== 'text_recognition') throw new Error(`got a ${prediction.task} prediction`);
      return { text: prediction.text, score: prediction.score };
    },
    measure: (a, b) => ({ textMismatch: a.text === b.text ? 0 : 1, score: Math.abs(a.score - b.score) }),
    compared: { what: 'characters', count: (answer) => [...answer.text].length },
  }),
};

/** Where an answer comes from: parity.json's raw outputs of each Python runtime, or serving. */
const RUNTIMES = { torch: 'PyTorch', onnxruntime: 'ONNX Runtime (Python)', serving: 'serving (Node)' } as const;
type Runtime = keyof typeof RUNTIMES;
const PAIRS: Array<[Runtime, Runtime]> = [
  ['torch', 'onnxruntime'],
  ['torch', 'serving'],
  ['onnxruntime', 'serving'],
];

let parityDir: string;
let records: Record<string, FamilyRecord>;
beforeAll(async () => {
  parityDir = await parityModels();
  records = (JSON.parse(readFileSync(join(parityDir, 'parity.json'), 'utf8')) as { families: Record<string, FamilyRecord> }).families;
}, 600_000);

describe('PyTorch, ONNX Runtime in Python and serving in Node agree', () => {
  it.each(Object.keys(FAMILIES))('%s', async (name) => {
    const fam = FAMILIES[name]!;
    const record = records[name]!;
    const onnxPath = join(parityDir, record.model);
    const spec = ((s: ModelSpec) => fam.spec?.(s) ?? s)(await readModelJson(onnxPath.replace(/\.onnx$/, '.json')));
    const model = await loadModel(onnxPath, spec);
    // The worst value of each measure over the probes, by pair.
    const worst = new Map<string, Map<Measure, number>>(PAIRS.map(([a, b]) => [`${RUNTIMES[a]} vs ${RUNTIMES[b]}`, new Map()]));
    const failures: string[] = [];
    let compared = 0;
    try {
      for (const probe of record.probes) {
        const image = await decodeImage(await readFile(join(parityDir, probe.image)));
        // At the input size serving does not resample: only the runtimes differ.
        expect([image.height, image.width]).toEqual(spec.inputSize);
        const answers: Record<Runtime, unknown> = {
          torch: await fam.fromOutputs(probe.torch, spec),
          onnxruntime: await fam.fromOutputs(probe.onnxruntime, spec),
          serving: fam.fromPrediction(await model.predict(image), spec),
        };
        compared += fam.compared?.count(answers.torch) ?? 0;
        for (const [a, b] of PAIRS) {
          const pair = `${RUNTIMES[a]} vs ${RUNTIMES[b]}`;
          const worstOfPair = worst.get(pair)!;
          for (const [measure, value] of Object.entries(fam.measure(answers[a], answers[b], spec)) as Array<[Measure, number]>) {
            const tolerance: { max?: number; min?: number } = TOLERANCES[measure];
            const before = worstOfPair.get(measure);
            worstOfPair.set(measure, tolerance.min === undefined ? Math.max(before ?? -Infinity, value) : Math.min(before ?? Infinity, value));
            if (value > (tolerance.max ?? Infinity) || value < (tolerance.min ?? -Infinity)) {
              failures.push(`${probe.image} (${probe.source}), ${pair}: ${measure} = ${value}, tolerance ${JSON.stringify(tolerance)}`);
            }
          }
        }
      }
    } finally {
      await model.close();
    }
    const count = fam.compared ? `, ${compared} ${fam.compared.what}` : '';
    const lines = [...worst].map(([pair, m]) => `  ${pair}: ${[...m].map(([k, v]) => `${k} ${Number(v.toPrecision(3))}`).join(', ')}`);
    console.info(`${name} (${record.probes.length} probes${count}), worst over the probes:\n${lines.join('\n')}`);
    expect(failures).toEqual([]);
    if (fam.compared) expect(compared, `PyTorch's answers hold no ${fam.compared.what}: nothing was compared`).toBeGreaterThan(0);
  });
});

/**
 * Run test/parity-models.py for every FAMILIES recipe, or reuse its results from an earlier run
 * with the same inputs. Returns the folder holding parity.json.
 */
async function parityModels(): Promise<string> {
  const python = testPython();
  const script = join(SERVING_DIR, 'test', 'parity-models.py');
  const trainer = join(REPO_ROOT, 'trainer');
  const recipes = JSON.stringify(Object.fromEntries(Object.entries(FAMILIES).map(([name, f]) => [name, f.recipe])));
  const root = join(tmpdir(), 'aip-parity');
  const dir = join(root, inputsHash(python, recipes, script, trainer));
  mkdirSync(root, { recursive: true });
  if (existsSync(join(dir, 'parity.json'))) {
    utimesSync(dir, new Date(), new Date());
    return dir;
  }
  pruneOldResults(root);
  const partial = mkdtempSync(join(root, 'partial-'));
  try {
    writeFileSync(join(partial, 'recipes.json'), recipes);
    const env = {
      ...process.env,
      PYTHONPATH: [trainer, join(trainer, 'tests'), process.env.PYTHONPATH].filter(Boolean).join(delimiter),
      // Vitest runs other test files beside this one on the same cores.
      AIP_TRAINER_THREADS: process.env.AIP_TRAINER_THREADS ?? '1',
    };
    try {
      await promisify(execFile)(python, [script, join(partial, 'recipes.json'), partial], { env, maxBuffer: 64 << 20 });
    } catch (err) {
      const { stderr } = err as { stderr?: string };
      throw new Error(`test/parity-models.py failed: ${(err as Error).message}\n${stderr?.slice(-6000) ?? ''}`, { cause: err });
    }
    try {
      renameSync(partial, dir);
    } catch (err) {
      // A test run beside this one got there first: its results are as good as ours.
      if (!existsSync(join(dir, 'parity.json'))) throw err;
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return dir;
}

/** Everything the Python side's results depend on, hashed. */
function inputsHash(python: string, recipes: string, script: string, trainer: string): string {
  const hash = createHash('sha256').update(`${python}\0${recipes}\0`);
  const code = (dir: string, keep: (file: string) => boolean) =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter(keep)
      .map((file) => join(dir, file));
  const files = [
    script,
    join(trainer, 'job-spec.schema.json'),
    ...code(join(trainer, 'aip_trainer'), (f) => f.endsWith('.py')),
    ...code(join(trainer, 'tests'), (f) => f === 'conftest.py' || /^synthetic.*\.py$/.test(f)),
  ].sort();
  for (const file of files) hash.update(`${relative(REPO_ROOT, file)}\0`).update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Results (and crashed runs' leftovers) nobody used for a day: the trainer has changed since. */
function pruneOldResults(root: string): void {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const entry of readdirSync(root)) {
    const path = join(root, entry);
    if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true });
  }
}

function tensor(outputs: Outputs, name: string): Tensor {
  const value = outputs[name];
  if (value === undefined) throw new Error(`no output "${name}" among ${JSON.stringify(Object.keys(outputs))}`);
  return value;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Share of equal elements. */
function agreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  let equal = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) equal++;
  return equal / a.length;
}

/**
 * Detections compared as sets (runtimes may order equal scores differently): each box of `a`,
 * highest score first, is paired with the closest unpaired box of `b` of its class that is within
 * tolerance; boxes left unpaired count as unmatched unless their score is within tolerance of
 * the threshold.
 */
function matchDetections(a: Detection[], b: Detection[], threshold: number): Measures {
  const unpaired = [...b];
  const borderline = (d: Detection) => Math.abs(d.score - threshold) <= TOLERANCES.score.max;
  let [box, score, unmatched] = [0, 0, 0];
  for (const d of [...a].sort((x, y) => y.score - x.score)) {
    let best = -1;
    let bestCost = Infinity;
    unpaired.forEach((e, i) => {
      if (e.class !== d.class) return;
      const cost = Math.max(maxAbsDiff(d.box, e.box) / TOLERANCES.box.max, Math.abs(d.score - e.score) / TOLERANCES.score.max);
      if (cost <= 1 && cost < bestCost) [best, bestCost] = [i, cost];
    });
    if (best < 0) {
      if (!borderline(d)) unmatched++;
      continue;
    }
    const [e] = unpaired.splice(best, 1);
    box = Math.max(box, maxAbsDiff(d.box, e!.box));
    score = Math.max(score, Math.abs(d.score - e!.score));
  }
  unmatched += unpaired.filter((e) => !borderline(e)).length;
  return { box, score, unmatched };
}

/** A text line (corners in pixels of an image at the input size) as a classless detection. */
function textLine(points: ReadonlyArray<readonly [number, number]>, score: number, spec: ModelSpec): Detection {
  const [height, width] = spec.inputSize;
  return { class: '', score, box: points.flatMap(([x, y]) => [x / width, y / height]) };
}

/** Class areas and the outlines painted back into a mask at the input size. */
function regionsAnswer(regions: MaskRegion[], spec: ModelSpec): Regions {
  const [height, width] = spec.inputSize;
  const areas = new Array<number>(spec.classes.length + 1).fill(0);
  const painted = new Uint8Array(width * height);
  for (const region of regions) {
    const k = spec.classes.indexOf(region.class) + 1;
    areas[k] = region.area;
    for (const { points, holes } of region.outlines) {
      // Pixel (x, y) is painted when its centre lies inside the outline and outside its holes.
      const ys = points.map(([, y]) => y);
      const xs = points.map(([x]) => x);
      for (let y = Math.max(0, Math.floor(Math.min(...ys))); y < Math.min(height, Math.ceil(Math.max(...ys))); y++) {
        for (let x = Math.max(0, Math.floor(Math.min(...xs))); x < Math.min(width, Math.ceil(Math.max(...xs))); x++) {
          const centre: Point = [x + 0.5, y + 0.5];
          if (inside(points, centre) && !holes.some((hole) => inside(hole, centre))) painted[y * width + x] = k;
        }
      }
    }
  }
  return { areas, painted };
}

/** Even-odd rule. */
function inside(ring: readonly Point[], [px, py]: Point): boolean {
  let odd = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) odd = !odd;
  }
  return odd;
}
