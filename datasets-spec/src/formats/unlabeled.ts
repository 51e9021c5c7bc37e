/**
 * Formats without annotations. Unlabeled: images anywhere in the zip, split by the hash rule.
 * Refinery: JPEG and PNG images anywhere; images under a top-level test/ folder are the test
 * split and the others train, otherwise the hash rule applies.
 */
import path from 'node:path';
import { isImagePath } from '../images.ts';
import type { Problem } from '../problems.ts';
import { assignFolderSplits, type Upload } from './listing.ts';
import { probeImages, unreadableProblem } from './probe.ts';
import type { CheckOptions, DatasetItem, FormatCheck } from './types.ts';

async function checkImages(upload: Upload, options: CheckOptions, accept?: (file: string, format: string) => boolean): Promise<FormatCheck> {
  const problems: Problem[] = [];
  const images = upload.files.filter(isImagePath);
  const unused = upload.files.filter((file) => !isImagePath(file));
  if (images.length === 0) problems.push({ file: '', code: 'no_images', message: 'The upload holds no images (supported types: PNG, JPEG, BMP, WebP, TIFF).' });
  const probes = await probeImages(upload.root, images, options.onProgress);
  const items: DatasetItem[] = [];
  for (const file of images) {
    const probe = probes.get(file)!;
    if (!probe.ok) problems.push({ file, ...unreadableProblem(probe) });
    else if (accept === undefined || accept(file, probe.info.format)) items.push({ source: file, image: probe.info });
    else {
      const format = probe.info.format.toUpperCase();
      problems.push({
        file,
        code: 'refinery_image_type',
        params: { format },
        message: `A refinery dataset takes JPEG and PNG images only; convert this ${format} image or remove it.`,
      });
    }
  }
  return { items, problems, warnings: [], encoding: null, unused };
}

export function checkUnlabeled(upload: Upload, options: CheckOptions = {}): Promise<FormatCheck> {
  return checkImages(upload, options);
}

/** The decoded content decides (a PNG named .jpg is fine); the extension must be a JPEG or PNG one too. */
export async function checkRefinery(upload: Upload, options: CheckOptions = {}): Promise<FormatCheck> {
  const check = await checkImages(upload, options, (file, format) => (format === 'jpeg' || format === 'png') && ['.jpg', '.jpeg', '.png'].includes(path.posix.extname(file).toLowerCase()));
  assignFolderSplits(check.items);
  return check;
}
