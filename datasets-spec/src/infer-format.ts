/**
 * Works out an upload's format from its layout — which folders hold the images, and what the first
 * records of label.txt look like — and says why in plain sentences, so a user who picked "auto"
 * (or the CLI) can see what was understood and correct it. It only guesses: the importer's check of
 * the chosen format is what decides whether the upload is valid.
 */
import { open } from 'node:fs/promises';
import { findLabelFile } from './formats/detection.ts';
import { isImagePath } from './images.ts';
import { compareStrings, type DatasetFormat } from './manifest.ts';
import { decodeText } from './text.ts';
import { checkEntryName, commonTopFolder, isClutter } from './zip.ts';

/** The formats a layout can show (a refinery upload looks like an unlabeled one, so it is never inferred). */
export type InferableFormat = Exclude<DatasetFormat, 'refinery'>;

export interface FormatInference {
  /** null when the layout fits no format, or several equally; `reasons` then say what was seen. */
  format: InferableFormat | null;
  /** Plain English sentences, in the order the rules were applied. */
  reasons: string[];
}

/** How much of label.txt inference needs: its first records, not the whole file. */
export const LABEL_HEAD_LINES = 200;
const LABEL_HEAD_BYTES = 64 * 1024;

/**
 * Infers the format of an upload from its files, named as in the zip ('/'-separated; system
 * clutter and a wrapping top folder are ignored as the importer ignores them). `readLabelHead` is
 * given the label.txt path as it appears in `files` and returns its first lines, decoded.
 */
export async function inferFormat(files: readonly string[], readLabelHead: (file: string) => Promise<string[]>): Promise<FormatInference> {
  const reasons: string[] = [];
  const upload = layoutOf(files, reasons);
  const images = upload.filter((f) => isImagePath(f.path));

  const enhancement = enhancementLayout(images.map((f) => f.segments));
  if (enhancement !== null) return { format: 'enhancement', reasons: [...reasons, ...enhancement] };

  const located = findLabelFile(upload.map((f) => f.path));
  if (located.file !== null) {
    const original = upload.find((f) => f.path === located.file)!.original;
    reasons.push(`${original} is the label file${located.file.includes('/') ? ' (the only label.txt in the zip)' : ''}; its first records decide.`);
    const head = await readLabelHead(original);
    const verdict = labelHeadFormat(head);
    return { format: verdict.format, reasons: [...reasons, ...verdict.reasons] };
  }
  if (located.problem?.code === 'label_file_multiple') {
    const found = located.problem.params?.['files'] ?? '';
    return { format: null, reasons: [...reasons, `Several label.txt files were found (${found}) and none at the top, so it is unclear which one labels the images.`] };
  }
  const folders = folderLayout(images.map((f) => f.segments), upload.length);
  return { format: folders.format, reasons: [...reasons, ...folders.reasons] };
}

interface UploadFile {
  /** As given (in the zip). */
  original: string;
  /** Without the wrapping top folder. */
  path: string;
  segments: string[];
}

/** The files the importer would see: clutter dropped, the single top folder stripped. */
function layoutOf(files: readonly string[], reasons: string[]): UploadFile[] {
  const kept: { original: string; segments: string[] }[] = [];
  let clutter = 0;
  for (const original of files) {
    const checked = checkEntryName(original);
    // Refused names are the zip check's business; folders are not files.
    if ('refusal' in checked || checked.isFolder) continue;
    if (isClutter(checked.segments)) clutter++;
    else kept.push({ original, segments: checked.segments });
  }
  if (clutter > 0) reasons.push(`${plural(clutter, 'system file')} (__MACOSX/, .DS_Store, Thumbs.db, …) ${clutter === 1 ? 'is' : 'are'} ignored.`);
  const top = commonTopFolder(kept.map((f) => f.segments), []);
  if (top !== null) reasons.push(`Everything sits in one folder, ${top}/, which is ignored.`);
  return kept.map(({ original, segments }) => {
    const inner = top === null ? segments : segments.slice(1);
    return { original, segments: inner, path: inner.join('/') };
  });
}

const SPLIT_NAMES = new Set(['train', 'test']);
const PAIR_ROLES = new Set(['input', 'target']);

/**
 * Enhancement: every image in an `input/` or `target/` folder under `train/` or `test/`. A bare
 * `input/` + `target/` counts too: a zip holding only `train/` has that folder stripped as a wrapper.
 */
function enhancementLayout(images: string[][]): string[] | null {
  if (images.length === 0) return null;
  const counts = new Map<string, number>();
  for (const segments of images) {
    const lower = segments.map((s) => s.toLowerCase());
    let folder: string;
    if (lower.length >= 3 && SPLIT_NAMES.has(lower[0]!) && PAIR_ROLES.has(lower[1]!)) folder = `${segments[0]}/${segments[1]}`;
    else if (lower.length >= 2 && PAIR_ROLES.has(lower[0]!)) folder = segments[0]!;
    else return null;
    counts.set(folder, (counts.get(folder) ?? 0) + 1);
  }
  const listed = [...counts].sort(([a], [b]) => compareStrings(a, b)).map(([folder, n]) => `${folder}/ ${n}`);
  const reasons = [
    `${all(images.length)} in input/ and target/ folders (${listed.join(', ')}): an enhancement dataset, each input image paired with the target image of the same name.`,
  ];
  const roles = new Set([...counts.keys()].map((folder) => folder.split('/').pop()!.toLowerCase()));
  if (roles.size === 1) reasons.push(`There is no ${roles.has('input') ? 'target' : 'input'}/ folder yet; the check will list the missing images.`);
  return reasons;
}

/** Classification (two or more folders of images, maybe inside train/ and test/) or unlabeled (images at the top). */
function folderLayout(images: string[][], fileCount: number): FormatInference {
  if (images.length === 0) {
    return { format: null, reasons: [`No images were found among the ${plural(fileCount, 'file')} (supported types: PNG, JPEG, BMP, WebP, TIFF), and no label.txt.`] };
  }
  const atTop = images.filter((s) => s.length === 1).length;
  if (atTop === images.length) {
    return { format: 'unlabeled', reasons: [`There is no label.txt and ${all(images.length).toLowerCase()} at the top, in no folder: unlabeled images.`] };
  }
  const splitLayout = images.every((s) => s.length >= 3 && SPLIT_NAMES.has(s[0]!.toLowerCase()));
  const classes = new Map<string, number>();
  for (const segments of images) {
    if (segments.length === 1) continue;
    const name = splitLayout ? segments[1]! : segments[0]!;
    classes.set(name, (classes.get(name) ?? 0) + 1);
  }
  const names = [...classes.keys()].sort(compareStrings);
  const listed = topCounts(classes);
  if (atTop > 0) {
    return {
      format: null,
      reasons: [
        `There is no label.txt; ${plural(atTop, 'image')} ${atTop === 1 ? 'sits' : 'sit'} at the top and ${plural(images.length - atTop, 'image')} in folders (${names.map((n) => `${n}/`).join(', ')}).`,
        'Unlabeled images all sit at the top, and a classification dataset has every image in a class folder, so neither fits.',
      ],
    };
  }
  if (names.length >= 2) {
    const where = splitLayout ? ' inside train/ and test/' : '';
    return {
      format: 'classification',
      reasons: [`There is no label.txt and the images sit in ${names.length} folders${where}, taken as classes (images per class: ${listed}).`],
    };
  }
  return {
    format: 'unlabeled',
    reasons: [`There is no label.txt and ${all(images.length).toLowerCase()} in one folder (${names[0]}/); one folder is not a set of classes, so they are taken as unlabeled images.`],
  };
}

// The record grammar of label.txt, as the detection importer reads it (formats/detection.ts).
const SEP = '\\s*[,，]\\s*';
const NUM = '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)';
const HEADER = new RegExp(`^(.*?)${SEP}(\\d+)${SEP}(\\d+)$`, 's');
const WHOLE = /^\d+$/;
const NUMBER = new RegExp(`^${NUM}$`);
const POINT = `\\(\\s*${NUM}${SEP}${NUM}\\s*\\)`;
/** `(x1,y1),(x2,y2),…,label`: three points or more. */
const POLYGON = new RegExp(`^${POINT}(?:\\s*[,，]?\\s*${POINT}){2,}${SEP}(.+)$`, 's');
const RECTANGLE = new RegExp(`^${NUM}${SEP}${NUM}${SEP}${NUM}${SEP}${NUM}${SEP}(.+)$`, 's');

type Shape = 'polygon' | 'rectangle';

interface HeadObject {
  line: number;
  shape: Shape | null;
  content: string;
  label: string;
}

/** Reads the first lines of label.txt and says which labelled format they are written in. */
export function labelHeadFormat(head: readonly string[]): FormatInference {
  const lines = head
    .map((content, i) => ({ content: (i === 0 ? content.replace(/^\uFEFF/, '') : content).trim(), number: i + 1 }))
    .filter((l) => l.content !== '');
  if (lines.length === 0) return { format: null, reasons: ['label.txt is empty, so it says nothing about the format.'] };

  const records = readRecords(lines);
  if (records !== null) return recordFormat(records.count, records.objects);

  const pairs = lines.filter((l) => isTextPair(l.content));
  if (pairs.length / lines.length >= 0.8) {
    const example = pairs[0]!.content;
    return {
      format: 'text_recognition',
      reasons: [
        `${pairs.length} of the first ${plural(lines.length, 'line')} of label.txt are "path,text" pairs (e.g. "${clip(example)}"): an image path, then text rather than a width and height.`,
        'So each image is labelled with the text it shows: text recognition.',
      ],
    };
  }
  const first = lines[0]!;
  return {
    format: null,
    reasons: [
      `label.txt begins with "${clip(first.content)}" (line ${first.number}), which is neither an image record ("path,width,height", then the number of objects) nor a "path,text" pair.`,
    ],
  };
}

/**
 * The records at the start of the head: `path,width,height`, a count, that many object lines.
 * null when the first lines are not a record. Stops at the first break (the importer reports it)
 * or where the head was cut.
 */
function readRecords(lines: { content: string; number: number }[]): { count: number; objects: HeadObject[][] } | null {
  const objects: HeadObject[][] = [];
  let i = 0;
  while (i < lines.length) {
    const header = HEADER.exec(lines[i]!.content);
    if (header === null || NUMBER.test(header[1]!)) break;
    const count = lines[i + 1];
    if (count !== undefined && !WHOLE.test(count.content)) break;
    const record: HeadObject[] = [];
    objects.push(record);
    i += 2;
    for (let n = Number(count?.content ?? 0); n > 0 && i < lines.length; n--, i++) {
      const { content, number } = lines[i]!;
      const polygon = POLYGON.exec(content);
      const rectangle = polygon === null ? RECTANGLE.exec(content) : null;
      const shape: Shape | null = polygon ? 'polygon' : rectangle ? 'rectangle' : null;
      record.push({ line: number, shape, content, label: (polygon?.[1] ?? rectangle?.[1] ?? '').trim() });
    }
  }
  return objects.length === 0 ? null : { count: objects.length, objects };
}

function recordFormat(recordCount: number, records: HeadObject[][]): FormatInference {
  const objects = records.flat();
  const reasons = [`The first ${plural(recordCount, 'record')} of label.txt are image records: "path,width,height", the number of objects, then one line per object.`];
  if (objects.length === 0) {
    reasons.push('None of them lists an object, so rectangles (detection) cannot be told from polygons (text detection, segmentation).');
    return { format: null, reasons };
  }
  const polygons = objects.filter((o) => o.shape === 'polygon');
  const rectangles = objects.filter((o) => o.shape === 'rectangle');
  if (polygons.length === 0 && rectangles.length === 0) {
    const first = objects[0]!;
    reasons.push(`Their object lines are neither rectangles "xmin,ymin,xmax,ymax,label" nor polygons "(x1,y1),(x2,y2),…,label" (line ${first.line}: "${clip(first.content)}").`);
    return { format: null, reasons };
  }
  if (polygons.length > 0 && rectangles.length > 0) {
    reasons.push(`Their object lines mix ${plural(rectangles.length, 'rectangle')} and ${plural(polygons.length, 'polygon')}; only text detection takes both.`);
    return { format: 'text_detection', reasons };
  }
  const shape: Shape = polygons.length > 0 ? 'polygon' : 'rectangle';
  const shaped = shape === 'polygon' ? polygons : rectangles;
  const others = objects.length - shaped.length;
  const also = others > 0 ? ` (and ${plural(others, 'line')} of neither kind)` : '';
  reasons.push(
    shape === 'polygon'
      ? `${shaped.length} of their object lines are polygons "(x1,y1),(x2,y2),…,label"${also}.`
      : `${shaped.length} of their object lines are rectangles "xmin,ymin,xmax,ymax,label"${also}.`,
  );
  const labels = shaped.map((o) => o.label);
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  const distinct = counts.size;

  if (shape === 'polygon') {
    // Segmentation labels are classes, used again and again; text detection labels are the words shown.
    if (labels.length >= 2 && distinct * 2 <= labels.length) {
      reasons.push(`Their labels repeat like class names (${distinct} distinct for ${plural(labels.length, 'polygon')}: ${topCounts(counts)}), so they outline classes of objects: segmentation.`);
      return { format: 'segmentation', reasons };
    }
    reasons.push(
      `Their labels hardly repeat (${distinct} distinct for ${plural(labels.length, 'polygon')}, e.g. ${examples(counts)}), so they read as the text inside each outline: text detection. (Labels used at least twice on average would mean segmentation classes.)`,
    );
    return { format: 'text_detection', reasons };
  }
  // Rectangles: class names unless the labels read like free text — words with spaces or CJK, nearly all different.
  const textual = labels.filter((label) => /\s/.test(label) || CJK.test(label)).length;
  const looksLikeText = textual * 2 >= labels.length && distinct >= 0.8 * labels.length;
  if (looksLikeText && labels.length >= 3) {
    reasons.push(
      `Their labels read like free text: ${textual} of ${labels.length} contain spaces or CJK characters and ${distinct} of ${labels.length} are different (e.g. ${examples(counts)}), so each box holds the text it shows: text detection.`,
    );
    return { format: 'text_detection', reasons };
  }
  if (looksLikeText) {
    reasons.push(`Only ${plural(labels.length, 'box')} ${labels.length === 1 ? 'was' : 'were'} read, too few to tell free text from class names, so the labels are taken as classes: detection.`);
    return { format: 'detection', reasons };
  }
  reasons.push(`Their labels look like class names (${distinct} distinct for ${plural(labels.length, 'box', 'boxes')}: ${topCounts(counts)}): detection.`);
  return { format: 'detection', reasons };
}

/** Han, kana and hangul: text in these scripts needs no spaces between words. */
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/;

/**
 * `path,text`: an image path, then text. The text is not a number, unless it is the only other
 * field (`0001.jpg,42` cannot be a `path,width,height` record).
 */
function isTextPair(content: string): boolean {
  const fields = content.split(/[,，]/).map((f) => f.trim());
  if (fields.length < 2 || !isImagePath(fields[0]!) || fields[1] === '') return false;
  return fields.length === 2 || !NUMBER.test(fields[1]!);
}

/** `cat ×12, dog ×10, …`: the most used labels first. */
function topCounts(counts: Map<string, number>, shown = 5): string {
  const sorted = [...counts].sort(([a, m], [b, n]) => n - m || compareStrings(a, b));
  const listed = sorted.slice(0, shown).map(([label, n]) => `${label} ×${n}`);
  return sorted.length > shown ? `${listed.join(', ')}, …` : listed.join(', ');
}

function examples(counts: Map<string, number>, shown = 3): string {
  return [...counts.keys()]
    .slice(0, shown)
    .map((label) => `"${clip(label)}"`)
    .join(', ');
}

function clip(text: string, length = 60): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/** "All 3 images sit", "The 1 image sits". */
function all(n: number): string {
  return n === 1 ? 'The 1 image sits' : `All ${n} images sit`;
}

function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/**
 * The first lines of a text file, decoded as the importer decodes label.txt (UTF-8, else
 * GB18030). Reads at most 64 KiB and cuts at the last line end, so a character split by the cut
 * cannot make UTF-8 look like GBK.
 */
export async function readTextHead(file: string, maxLines = LABEL_HEAD_LINES): Promise<string[]> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(LABEL_HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    let bytes = buffer.subarray(0, bytesRead);
    if (bytesRead === buffer.length) {
      const end = bytes.lastIndexOf(0x0a);
      if (end > 0) bytes = bytes.subarray(0, end);
    }
    return decodeText(bytes).text.split(/\r\n|\r|\n/).slice(0, maxLines);
  } finally {
    await handle.close();
  }
}
