/**
 * The GPUs a GPU worker trains on, one training slot each: AIP_GPUS when set, else what
 * `nvidia-smi` lists at start; a machine without (working) NVIDIA GPUs trains on the CPU.
 */
import { execFile } from 'node:child_process';

/** Where one training slot runs its trainer. */
export interface TrainingDevice {
  /** The GPU index (as nvidia-smi numbers it); undefined: the CPU. */
  gpu: number | undefined;
  /** The trainer subprocess's environment for this slot (CUDA_VISIBLE_DEVICES …). */
  env: Record<string, string>;
}

/**
 * The indices in `nvidia-smi --query-gpu=index --format=csv,noheader` output (one per line).
 * Throws on anything else, so a changed or broken nvidia-smi is reported, not misread.
 */
export function parseGpuIndices(output: string): number[] {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  const indices = lines.map((line) => {
    if (!/^\d{1,3}$/.test(line)) throw new Error(`unexpected nvidia-smi output line ${JSON.stringify(line.slice(0, 80))}`);
    return Number(line);
  });
  if (new Set(indices).size !== indices.length) throw new Error('nvidia-smi listed a GPU index twice');
  return indices;
}

export type CommandRunner = (command: string, args: string[]) => Promise<string>;

const runCommand: CommandRunner = (command, args) =>
  new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 15_000, encoding: 'utf8' }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });

/**
 * The GPUs nvidia-smi sees, or none (with the reason) when it is absent, fails or says nothing
 * usable: such a machine trains on its CPU.
 */
export async function detectGpus(run: CommandRunner = runCommand): Promise<{ gpus: number[]; reason?: string }> {
  let output: string;
  try {
    output = await run('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader']);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { gpus: [], reason: code === 'ENOENT' ? 'nvidia-smi not found' : `nvidia-smi failed: ${firstLine(error)}` };
  }
  try {
    const gpus = parseGpuIndices(output);
    return gpus.length > 0 ? { gpus } : { gpus: [], reason: 'nvidia-smi lists no GPU' };
  } catch (error) {
    return { gpus: [], reason: firstLine(error) };
  }
}

export class TrainingSlotsError extends Error {
  override readonly name = 'TrainingSlotsError';
}

/**
 * One training device per slot. With GPUs: one slot per GPU, its trainer seeing only that GPU
 * (`CUDA_VISIBLE_DEVICES`, in nvidia-smi's PCI bus order, so the index means the same card);
 * `slots` may use fewer of them, never more (two jobs on one GPU run out of memory or crawl).
 * Without: `slots` CPU slots (default one). `hideGpus` (AIP_GPUS=none) keeps the trainer off
 * any GPU the machine has; a machine where none were found leaves CUDA_VISIBLE_DEVICES alone.
 */
export function trainingDevices(gpus: readonly number[], options: { slots?: number; hideGpus?: boolean } = {}): TrainingDevice[] {
  const { slots } = options;
  if (slots !== undefined && (!Number.isInteger(slots) || slots < 1)) {
    throw new TrainingSlotsError(`AIP_TRAINING_SLOTS=${slots}: expected a whole number of training slots, 1 or more`);
  }
  if (gpus.length === 0) {
    const env: Record<string, string> = options.hideGpus ? { CUDA_VISIBLE_DEVICES: '' } : {};
    return Array.from({ length: slots ?? 1 }, () => ({ gpu: undefined, env: { ...env } }));
  }
  if (slots !== undefined && slots > gpus.length) {
    throw new TrainingSlotsError(
      `AIP_TRAINING_SLOTS=${slots} asks for more training jobs than this worker has GPUs (${gpus.length}: ${gpus.join(',')}); ` +
        'jobs would share a GPU. Leave AIP_TRAINING_SLOTS unset for one job per GPU, or set it to at most the number of GPUs.',
    );
  }
  return gpus.slice(0, slots ?? gpus.length).map((gpu) => ({
    gpu,
    env: { CUDA_DEVICE_ORDER: 'PCI_BUS_ID', CUDA_VISIBLE_DEVICES: String(gpu) },
  }));
}

/** "4 GPUs (0,1,2,3)", "1 GPU (2) of 4", "CPU only, 1 slot (nvidia-smi not found)". */
export function describeDevices(devices: readonly TrainingDevice[], found: { gpus: readonly number[]; reason?: string }): string {
  const gpus = devices.flatMap((d) => (d.gpu === undefined ? [] : [d.gpu]));
  if (gpus.length === 0) {
    return `CPU only, ${devices.length} training slot${devices.length === 1 ? '' : 's'}${found.reason ? ` (${found.reason})` : ''}`;
  }
  const of = found.gpus.length > gpus.length ? ` of ${found.gpus.length}` : '';
  return `${gpus.length} GPU${gpus.length === 1 ? '' : 's'} (${gpus.join(',')})${of}`;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0]!.slice(0, 200);
}
