/**
 * Classification uploads: one folder per class (`cat/001.jpg`), or the same inside `train/` and
 * `test/` top folders (`train/cat/001.jpg`, `test/cat/101.jpg`). Images may sit in sub-folders
 * of their class folder; the class is the folder directly under the root (or under train/test).
 */
import { isImagePath } from '../images.ts';
import { compareStrings, type Split } from '../manifest.ts';
import type { Problem } from '../problems.ts';
import type { ExtractedZip } from '../zip.ts';
import { probeImages, unreadableProblem } from './probe.ts';
import type { CheckOptions, DatasetItem, FormatCheck } from './types.ts';

type Upload = Pick<ExtractedZip, 'root' | 'files' | 'folders' | 'topFolder'>;

const SPLIT_FOLDERS: Record<string, Split> = { train: 'train', test: 'test' };

function splitFolder(name: string | undefined): Split | undefined {
  return name === undefined ? undefined : SPLIT_FOLDERS[name.toLowerCase()];
}

/**
 * train/ and test/ at the top mean split folders when their images sit one level deeper (in class
 * folders); a `test/` folder holding images directly is a class that happens to be called "test".
 */
function usesSplitFolders(images: string[][]): boolean {
  const inSplitFolders = images.filter((segments) => splitFolder(segments[0]) !== undefined);
  return inSplitFolders.length > 0 && inSplitFolders.every((segments) => segments.length >= 3);
}

export async function checkClassification(upload: Upload, options: CheckOptions = {}): Promise<FormatCheck> {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const imageFiles = upload.files.filter(isImagePath);
  const unused = upload.files.filter((file) => !isImagePath(file));
  const splitLayout = usesSplitFolders(imageFiles.map((file) => file.split('/')));

  // Class (and split) of each image, from its folders.
  const placed: { file: string; className: string; split?: Split }[] = [];
  // `cat/1.jpg, cat/2.jpg` alone: the zip's single folder was taken for a wrapper and stripped.
  const singleFolder = upload.topFolder !== null && !splitLayout && imageFiles.length > 0 && imageFiles.every((file) => !file.includes('/'));
  if (singleFolder) {
    problems.push({
      file: '',
      code: 'single_folder',
      params: { folder: upload.topFolder! },
      message: `The zip holds a single folder (${upload.topFolder}) with the images directly in it. A classification dataset needs one folder per class, at least two classes.`,
    });
  }
  for (const file of singleFolder ? [] : imageFiles) {
    const segments = file.split('/');
    if (splitLayout) {
      const split = splitFolder(segments[0]);
      if (split === undefined) problems.push({ file, code: 'image_outside_split', message: 'This image is outside the train/ and test/ folders. Put every class folder inside train/ or test/.' });
      else placed.push({ file, className: segments[1]!, split });
    } else if (segments.length < 2) {
      problems.push({ file, code: 'image_not_in_class_folder', message: 'This image is not inside a class folder. Put each image in a folder named after its class (for example cat/001.jpg).' });
    } else {
      placed.push({ file, className: segments[0]! });
    }
  }

  if (imageFiles.length === 0) {
    problems.push({ file: '', code: 'no_images', message: 'The upload holds no images (supported types: PNG, JPEG, BMP, WebP, TIFF).' });
  }

  checkClassFolders(upload.folders, placed, splitLayout, problems);

  const probes = await probeImages(upload.root, placed.map((p) => p.file), options.onProgress);
  const items: DatasetItem[] = [];
  for (const { file, className, split } of placed) {
    const probe = probes.get(file)!;
    if (!probe.ok) problems.push({ file, ...unreadableProblem(probe) });
    else items.push({ source: file, image: probe.info, class: className, ...(split ? { split } : {}) });
  }

  const classes = [...new Set(placed.map((p) => p.className))].sort(compareStrings);
  if (classes.length === 1) {
    problems.push({ file: '', code: 'single_class', params: { class: classes[0]! }, message: `Only one class was found (${classes[0]}). A classifier needs at least two class folders.` });
  }
  if (splitLayout) compareSplits(placed, problems, warnings);
  return { items, problems, warnings, encoding: null, unused };
}

/** A class folder with no image in it is almost always a mistake in preparing the upload. */
function checkClassFolders(folders: string[], placed: { file: string }[], splitLayout: boolean, problems: Problem[]): void {
  const depth = splitLayout ? 2 : 1;
  const withImages = new Set(placed.map((p) => p.file.split('/').slice(0, depth).join('/')));
  for (const folder of folders) {
    const segments = folder.split('/');
    if (segments.length !== depth) continue;
    if (splitLayout && splitFolder(segments[0]) === undefined) continue;
    if (!withImages.has(folder)) problems.push({ file: `${folder}/`, code: 'empty_class_folder', message: 'This class folder holds no images. Add images to it or remove it.' });
  }
}

function compareSplits(placed: { className: string; split?: Split }[], problems: Problem[], warnings: Problem[]): void {
  const inSplit = (split: Split) => new Set(placed.filter((p) => p.split === split).map((p) => p.className));
  const train = inSplit('train');
  const test = inSplit('test');
  if (train.size === 0) problems.push({ file: 'train/', code: 'no_training_images', message: 'There are no training images: add a train/ folder with one folder per class.' });
  for (const name of [...test].sort(compareStrings)) {
    if (train.size > 0 && !train.has(name)) {
      problems.push({ file: `test/${name}/`, code: 'class_missing_in_train', params: { class: name }, message: `Class "${name}" has test images but no training images in train/${name}/.` });
    }
  }
  if (test.size > 0) {
    for (const name of [...train].sort(compareStrings)) {
      if (!test.has(name)) warnings.push({ file: `train/${name}/`, code: 'class_missing_in_test', params: { class: name }, message: `Class "${name}" has no test images, so its accuracy cannot be measured.` });
    }
  }
}
