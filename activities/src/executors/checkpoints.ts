/**
 * A local training's checkpoint, kept in the blob store too (docs/contracts.md, "Blob keys"), so
 * the retried attempt of a stage whose worker died resumes on whichever worker takes it over, not
 * only on the host that wrote the checkpoint.
 */
import { createReadStream, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '@aip/platform';
import { downloadBlob } from '../local-files.ts';

/** The trainer's checkpoint file in its output folder (trainer/aip_trainer/artifacts.py). */
export const CHECKPOINT_FILE = 'checkpoint.pt';

/**
 * Puts the stored checkpoint into `outputDir` when it has none: a worker taking over a stage
 * continues from the last epoch the lost worker finished. A local checkpoint (this host's own
 * earlier attempt) is at least as new, so it stays. Resolves true when one was restored.
 */
export async function restoreCheckpoint(blobs: BlobStore, key: string, outputDir: string): Promise<boolean> {
  const file = path.join(outputDir, CHECKPOINT_FILE);
  if (existsSync(file) || !(await blobs.exists(key))) return false;
  // Downloaded beside it and renamed, so the trainer never reads half a checkpoint.
  const partial = `${file}.partial-${process.pid}`;
  try {
    await downloadBlob(blobs, key, partial);
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
  return true;
}

/**
 * Uploads the checkpoint after each epoch, one upload at a time: a request while one runs makes
 * one more upload after it (of the then newest file), never two at once. A failed upload is
 * reported to `onError` and training goes on (the next epoch tries again). The trainer replaces
 * the file atomically, so an upload reads either the old or the new checkpoint, whole.
 */
export function checkpointUploader(blobs: BlobStore, key: string, outputDir: string, onError: (error: unknown) => void) {
  const file = path.join(outputDir, CHECKPOINT_FILE);
  return serialTask(async () => {
    if (existsSync(file)) await blobs.put(key, createReadStream(file));
  }, onError);
}

/**
 * The checkpoint side of one local training attempt: restores the stored checkpoint when this
 * host has none, then uploads it after each `epoch` event. `settled()` waits for the last upload.
 */
export async function stageCheckpoints(blobs: BlobStore, key: string, outputDir: string, onError: (error: unknown) => void) {
  const restored = await restoreCheckpoint(blobs, key, outputDir);
  const uploads = checkpointUploader(blobs, key, outputDir, onError);
  return { restored, epochDone: () => uploads.request(), settled: () => uploads.settled() };
}

export interface SerialTask {
  /** Runs the task now, or once more after the run in progress. */
  request(): void;
  /** Resolves when no run is in progress or asked for. */
  settled(): Promise<void>;
}

/** `task` run on request, never overlapping; requests during a run collapse into one more run. */
export function serialTask(task: () => Promise<void>, onError: (error: unknown) => void): SerialTask {
  let running: Promise<void> | undefined;
  let again = false;
  const loop = async () => {
    do {
      again = false;
      try {
        await task();
      } catch (error) {
        onError(error);
      }
    } while (again);
    running = undefined;
  };
  return {
    request() {
      if (running) again = true;
      else running = loop();
    },
    settled() {
      return running ?? Promise.resolve();
    },
  };
}
