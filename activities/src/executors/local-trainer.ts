/**
 * The local executor: runs the trainer CLI as a subprocess on this worker, turns its progress
 * events into callbacks and kills it when the activity is cancelled.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseTrainerEvent, type TrainerEvent } from './trainer-events.ts';

/** A flowchart stage's job: `train` or `evaluate` (docs/contracts.md "Job spec"). */
export interface TrainerJob {
  kind: 'train' | 'evaluate';
  task: string;
  arch: string;
  classes: string[];
  labelMap: Record<string, string>;
  hyper: Record<string, number | null | undefined>;
  manifest: string;
  imageRoot: string;
  initWeights: string | null;
  model: string | null;
  output: string;
  device: 'auto' | 'cpu' | 'cuda';
  seed: number;
}

/** A refinery teacher as the trainer takes it (docs/contracts.md "Model refinery"). */
export interface TrainerTeacher {
  file: string;
  format: 'aip' | 'weights' | 'torchscript' | 'onnx';
  task?: string;
  arch?: string | null;
  classes?: string[];
  input?: Record<string, unknown>;
  name?: string;
}

/** The model refinery's jobs: `refine` (a new model from teachers) and `refine_evaluate` (a model against them). */
export interface RefineTrainerJob {
  kind: 'refine' | 'refine_evaluate';
  algorithm: string;
  teachers: TrainerTeacher[];
  student?: { arch: string } | null;
  /** refine_evaluate: the produced model.pt. */
  model?: string;
  manifest: string;
  imageRoot: string;
  output: string;
  params?: Record<string, number>;
  device: 'auto' | 'cpu' | 'cuda';
  seed: number;
}

/** Loads an uploaded model and checks it against what its uploader declared. */
export interface ValidateModelTrainerJob {
  kind: 'validate_model';
  model: TrainerTeacher;
  output: string;
  device: 'auto' | 'cpu' | 'cuda';
  seed: number;
}

/** The model atlas's job: signatures of new models, then the distances of the given pairs. */
export interface AtlasTrainerJob {
  kind: 'atlas';
  /** The models to sign (teacher objects with the id they are reported by). */
  models: Array<TrainerTeacher & { id: string }>;
  /** Signatures computed earlier (same probe set). */
  signatures: Array<{ id: string; file: string }>;
  /** Pairs of ids (from `models` and `signatures`) to compute distances for. */
  pairs: Array<[string, string]>;
  probes?: { set: string; count: number; size: number };
  output: string;
  device: 'auto' | 'cpu' | 'cuda';
  seed: number;
}

/** Every job kind the trainer CLI runs. */
export type AnyTrainerJob = TrainerJob | RefineTrainerJob | ValidateModelTrainerJob | AtlasTrainerJob;

export interface TrainerRunOptions {
  python: string;
  /** Folder holding the `aip_trainer` package (added to PYTHONPATH). */
  trainerRoot: string;
  /** Where job.json and the log file go (created if missing). */
  jobDir: string;
  onEvent?: (event: TrainerEvent) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export class TrainerError extends Error {
  constructor(
    message: string,
    readonly userError: boolean,
    readonly logTail: string,
  ) {
    super(message);
    this.name = 'TrainerError';
  }
}

const LOG_TAIL_LINES = 40;

/** Runs one trainer job to completion; resolves with the `done` event's metrics. */
export async function runTrainerJob(
  job: AnyTrainerJob,
  options: TrainerRunOptions,
): Promise<{ metrics: Record<string, unknown>; logFile: string }> {
  await mkdir(options.jobDir, { recursive: true });
  await mkdir(job.output, { recursive: true });
  const jobFile = path.join(options.jobDir, `${job.kind}-job.json`);
  const logFile = path.join(options.jobDir, `${job.kind}.log`);
  await writeFile(jobFile, JSON.stringify(job, null, 2));

  const log = createWriteStream(logFile, { flags: 'a' });
  const tail: string[] = [];
  const remember = (line: string) => {
    log.write(`${line}\n`);
    tail.push(line);
    if (tail.length > LOG_TAIL_LINES) tail.shift();
  };

  const pythonPath = [options.trainerRoot, options.env?.PYTHONPATH ?? process.env.PYTHONPATH]
    .filter(Boolean)
    .join(path.delimiter);
  // stdin stays an open pipe: the trainer exits by itself when it reaches EOF, which is what
  // happens when this worker dies, so a killed worker never leaves a trainer running.
  // Its own process group, so cancelling kills the trainer and anything it started (data loader
  // processes) at once.
  const child = spawn(options.python, ['-m', 'aip_trainer', 'run', jobFile], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, ...options.env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1' },
  });

  let done: Extract<TrainerEvent, { event: 'done' }> | undefined;
  let failure: Extract<TrainerEvent, { event: 'error' }> | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = parseTrainerEvent(line);
    if (!event) return remember(line);
    remember(line);
    if (event.event === 'done') done = event;
    if (event.event === 'error') failure = event;
    options.onEvent?.(event);
  });
  createInterface({ input: child.stderr }).on('line', remember);

  const onAbort = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, signal) => resolve({ code, signal }));
      },
    );
    if (options.signal?.aborted) throw new TrainerError('training was cancelled', false, tail.join('\n'));
    if (exit.code === 0 && done) return { metrics: done.metrics, logFile };
    const message =
      failure?.message ??
      `the trainer exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`;
    throw new TrainerError(message, failure?.userError === true || exit.code === 2, tail.join('\n'));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await new Promise<void>((resolve) => log.end(resolve));
  }
}
