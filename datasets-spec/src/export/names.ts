/**
 * File and folder names in an export. Exports flatten the dataset's folders (`images/cat/2019/a.jpg`
 * → `images/train/a.jpg`), because the tools that read them expect one folder per split (YOLO
 * even finds a label file by swapping `/images/` for `/labels/` in the path, which nested
 * `images/` folders would confuse). Two images may then share a name, so names are made unique.
 */
import path from 'node:path';

/** Longest exported name, in UTF-8 bytes (file systems allow 255; `.txt` labels are derived from it). */
const MAX_NAME_BYTES = 200;

function stem(name: string): string {
  const ext = path.posix.extname(name);
  return ext === '' ? name : name.slice(0, -ext.length);
}

/**
 * The key two names clash on: the stem (YOLO writes `a.txt` for both `a.png` and `a.jpg`), in
 * lower case (macOS and Windows file systems ignore case).
 */
function clashKey(name: string): string {
  return stem(name).normalize('NFC').toLowerCase();
}

/** `name` with `suffix` before its extension, the stem cut so the whole fits in `MAX_NAME_BYTES`. */
function fit(name: string, suffix = ''): string {
  const ext = path.posix.extname(name);
  let cut = stem(name);
  while (cut !== '' && Buffer.byteLength(cut + suffix + ext) > MAX_NAME_BYTES) cut = [...cut].slice(0, -1).join('');
  return cut + suffix + ext;
}

/**
 * A unique file name for each manifest path of one output folder. A name no other image there
 * shares is kept as it is; the images that share one get the folders that tell them apart in
 * front (`images/cat/a.png`, `images/dog/a.png` → `cat_a.png`, `dog_a.png`) and, if that still
 * clashes, a number (`cat_a_2.png`). Deterministic: the same paths always give the same names.
 */
export function uniqueNames(manifestPaths: readonly string[]): Map<string, string> {
  const groups = new Map<string, string[][]>();
  for (const p of manifestPaths) {
    const segments = p.split('/');
    const key = clashKey(segments.at(-1)!);
    groups.set(key, [...(groups.get(key) ?? []), segments]);
  }
  const names = new Map<string, string>();
  const taken = new Set<string>();
  // Names that are unique already are kept first, so a renamed image never takes one of them.
  for (const p of manifestPaths) {
    const base = path.posix.basename(p);
    if (groups.get(clashKey(base))!.length === 1 && Buffer.byteLength(base) <= MAX_NAME_BYTES) {
      names.set(p, base);
      taken.add(clashKey(base));
    }
  }
  for (const p of manifestPaths) {
    if (names.has(p)) continue;
    const segments = p.split('/');
    const shared = commonFolders(groups.get(clashKey(segments.at(-1)!))!);
    const prefixed = fit([...segments.slice(shared, -1), segments.at(-1)!].join('_'));
    let name = prefixed;
    for (let n = 2; taken.has(clashKey(name)); n++) name = fit(prefixed, `_${n}`);
    names.set(p, name);
    taken.add(clashKey(name));
  }
  return names;
}

/** How many leading folders all these paths share (they say nothing about which image is which). */
function commonFolders(paths: readonly string[][]): number {
  const first = paths[0]!;
  let shared = 0;
  while (shared < first.length - 1 && paths.every((segments) => shared < segments.length - 1 && segments[shared] === first[shared])) shared++;
  return shared;
}

/** Characters no folder name may hold on Windows, macOS or Linux. */
const UNSAFE = /[/\\:*?"<>|\u0000-\u001f\u007f]/g;

/**
 * A folder name for each class: the class itself where it is a safe name, else with unsafe
 * characters replaced by `_`; unique ignoring case, as on macOS and Windows.
 */
export function classFolders(classes: readonly string[]): Map<string, string> {
  const folders = new Map<string, string>();
  const taken = new Set<string>();
  for (const name of classes) {
    let safe = fit(name.replace(UNSAFE, '_').trim());
    if (safe === '' || safe === '.' || safe === '..') safe = `class_${safe.replaceAll('.', '_')}`;
    let folder = safe;
    for (let n = 2; taken.has(folder.toLowerCase()); n++) folder = `${safe}_${n}`;
    folders.set(name, folder);
    taken.add(folder.toLowerCase());
  }
  return folders;
}
