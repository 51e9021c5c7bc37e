/**
 * Enhancement uploads (denoising, deblurring, super-resolution…): pairs of images, the degraded
 * input and the target the model should produce:
 *
 *     train/input/001.jpg    train/target/001.png
 *     test/input/101.jpg     test/target/101.png      (test/ optional)
 *
 * A pair is an input and a target with the same name (and sub-folder) in the same split, the
 * extension may differ. Sizes may differ (super-resolution). Folder names in any letter case.
 *
 * Pairs may also carry a class, for a classifier placed below the enhancer (it trains on the
 * enhanced images with the classes of their sources, and the format has no other place for labels):
 * when every pair sits in a sub-folder and there are at least two, the top sub-folder is the
 * class, as in classification uploads (`train/input/cat/001.jpg` + `train/target/cat/001.png`).
 */
import path from 'node:path';
import { isImagePath } from '../images.ts';
import { compareStrings, type Split } from '../manifest.ts';
import type { Problem } from '../problems.ts';
import type { Upload } from './listing.ts';
import { probeImages, unreadableProblem } from './probe.ts';
import type { CheckOptions, DatasetItem, FormatCheck } from './types.ts';

type Role = 'input' | 'target';

interface Placed {
  file: string;
  split: Split;
  role: Role;
  /** Its input/ or target/ folder, as in the zip. */
  folder: string;
  /** The pairing key: the path below input/ or target/ without its extension. */
  key: string;
}

const SPLITS: Record<string, Split> = { train: 'train', test: 'test' };
const ROLES: Record<string, Role> = { input: 'input', target: 'target' };

/**
 * Where an image sits. `input/` and `target/` at the root are the folders of a zip holding only
 * `train/` (the single top folder was stripped), or of one made without split folders: training pairs.
 */
function place(file: string, topFolder: string | null): Placed | null {
  const segments = file.split('/');
  const atRoot = ROLES[segments[0]!.toLowerCase()] !== undefined;
  const split = atRoot ? (topFolder !== null && SPLITS[topFolder.toLowerCase()]) || 'train' : SPLITS[segments[0]!.toLowerCase()];
  const roleAt = atRoot ? 0 : 1;
  const role = ROLES[segments[roleAt]?.toLowerCase() ?? ''];
  if (split === undefined || role === undefined || segments.length < roleAt + 2) return null;
  const folder = `${atRoot && topFolder !== null ? `${topFolder}/` : ''}${segments.slice(0, roleAt + 1).join('/')}`;
  const rest = segments.slice(roleAt + 1).join('/');
  return { file, split, role, folder, key: rest.slice(0, rest.length - path.posix.extname(rest).length).normalize('NFC') };
}

/** True when the file list proves the enhancement layout: every image in a split's input/ or target/, and training pairs present. */
export function isEnhancementLayout(files: readonly string[]): boolean {
  const placed = files.filter(isImagePath).map((file) => place(file, null));
  return (
    placed.length > 0 &&
    placed.every((p) => p !== null) &&
    placed.some((p) => p!.split === 'train' && p!.role === 'input') &&
    placed.some((p) => p!.split === 'train' && p!.role === 'target')
  );
}

export async function checkEnhancement(upload: Upload, options: CheckOptions = {}): Promise<FormatCheck> {
  const problems: Problem[] = [];
  const images = upload.files.filter(isImagePath);
  const unused = upload.files.filter((file) => !isImagePath(file));
  if (images.length === 0) problems.push({ file: '', code: 'no_images', message: 'The upload holds no images (supported types: PNG, JPEG, BMP, WebP, TIFF).' });

  // `split/role/key` → the images with that name.
  const groups = new Map<string, Placed[]>();
  const folderOf = new Map<string, string>();
  for (const file of images) {
    const placed = place(file, upload.topFolder);
    if (placed === null) {
      problems.push({
        file,
        code: 'enhancement_image_outside',
        message: 'This image is outside train/input, train/target, test/input and test/target. Move it into one of them or remove it.',
      });
      continue;
    }
    const group = `${placed.split}/${placed.role}/${placed.key}`;
    groups.set(group, [...(groups.get(group) ?? []), placed]);
    // The folder as the user wrote it, to name it in problems.
    folderOf.set(`${placed.split}/${placed.role}`, placed.folder);
  }
  // Params name files as in the zip (problem `file`s are re-targeted by the importer).
  const inZip = (file: string) => (upload.topFolder === null ? file : `${upload.topFolder}/${file}`);
  const pairs: { input: Placed; target: Placed }[] = [];
  for (const [, members] of [...groups].sort(([a], [b]) => compareStrings(a, b))) {
    members.sort((a, b) => compareStrings(a.file, b.file));
    const first = members[0]!;
    for (const other of members.slice(1)) {
      problems.push({
        file: other.file,
        code: 'enhancement_name_ambiguous',
        params: { other: inZip(first.file) },
        message: `Another image, ${inZip(first.file)}, has the same name apart from its extension; pairs are matched by name, so rename or remove one.`,
      });
    }
    const partnerRole: Role = first.role === 'input' ? 'target' : 'input';
    const partner = groups.get(`${first.split}/${partnerRole}/${first.key}`);
    if (partner === undefined) {
      const folder = `${folderOf.get(`${first.split}/${partnerRole}`) ?? first.folder.replace(/[^/]+$/, partnerRole)}/`;
      problems.push({
        file: first.file,
        code: 'enhancement_unpaired',
        params: { name: path.posix.basename(first.key), folder },
        message: `This image has no partner: there is no image named ${path.posix.basename(first.key)} (any extension) in ${folder}.`,
      });
    } else if (first.role === 'input' && members.length === 1 && partner.length === 1) {
      pairs.push({ input: first, target: partner[0]! });
    }
  }
  if (![...groups.values()].some((members) => members[0]!.split === 'train' && members[0]!.role === 'input')) {
    problems.push({
      file: '',
      code: 'enhancement_no_training_pairs',
      message: 'There are no training pairs: put the input images in train/input/ and their targets, with the same names, in train/target/.',
    });
  }

  const probes = await probeImages(upload.root, pairs.flatMap((p) => [p.input.file, p.target.file]), options.onProgress);
  const items: DatasetItem[] = [];
  const hasTest = pairs.some((p) => p.input.split === 'test');
  const classOf = pairClasses(pairs.map((p) => p.input.key));
  for (const { input, target } of pairs) {
    const inputProbe = probes.get(input.file)!;
    const targetProbe = probes.get(target.file)!;
    if (!inputProbe.ok) problems.push({ file: input.file, ...unreadableProblem(inputProbe) });
    if (!targetProbe.ok) problems.push({ file: target.file, ...unreadableProblem(targetProbe) });
    if (inputProbe.ok && targetProbe.ok) {
      const label = classOf(input.key);
      items.push({
        source: input.file,
        image: inputProbe.info,
        target: { source: target.file, image: targetProbe.info },
        ...(hasTest ? { split: input.split } : {}),
        ...(label === undefined ? {} : { class: label }),
      });
    }
  }
  return { items, problems, warnings: [], encoding: null, unused };
}

/**
 * The class of each pair, by its key (its path below input/): the top sub-folder, when every pair
 * sits in one and there are at least two of them. One folder alone, or pairs some of which sit
 * directly in input/, are an upload organized in folders rather than classes: no classes.
 */
function pairClasses(keys: readonly string[]): (key: string) => string | undefined {
  const folders = keys.map((key) => (key.includes('/') ? key.slice(0, key.indexOf('/')) : undefined));
  const classed = folders.length > 0 && folders.every((folder) => folder !== undefined) && new Set(folders).size >= 2;
  return (key) => (classed ? key.slice(0, key.indexOf('/')) : undefined);
}
