/** Decodes many images of an extracted upload, a few at a time (each decode holds a full bitmap). */
import path from 'node:path';
import { mapLimit } from '../concurrency.ts';
import { probeImage, type ImageFailure, type ImageProbe } from '../images.ts';
import type { ProblemText } from '../problems.ts';

const PARALLEL_DECODES = 4;

export async function probeImages(
  root: string,
  files: readonly string[],
  onProgress?: (done: number, total: number) => void,
): Promise<Map<string, ImageProbe>> {
  let done = 0;
  const probes = await mapLimit(files, PARALLEL_DECODES, async (file) => {
    const probe = await probeImage(path.join(root, ...file.split('/')));
    onProgress?.(++done, files.length);
    return probe;
  });
  return new Map(files.map((file, i) => [file, probes[i]!]));
}

/** The problem for an image that cannot be decoded; its code says why (wrong type, damaged BMP, …). */
export function unreadableProblem(failure: ImageFailure): ProblemText {
  return {
    code: failure.code,
    params: failure.params,
    message: `This image cannot be read: ${failure.reason}. Replace it with a valid PNG, JPEG, BMP, WebP or TIFF file.`,
  };
}
