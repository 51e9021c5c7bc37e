/**
 * Text recognition uploads: images (usually one line of text each) plus a `label.txt` with one
 * line per image:
 *
 *     path,text
 *
 * Only the FIRST comma (ASCII `,` or full-width `，`) separates: the path cannot contain one, the
 * text may contain any number of both. label.txt is found, decoded and its paths matched to the
 * images exactly as for detection (listing.ts).
 */
import { isImagePath } from '../images.ts';
import type { Problem, ProblemText } from '../problems.ts';
import { assignFolderSplits, labelLines, readLabelFile, resolveListed, type ListingTexts, type Upload } from './listing.ts';
import { probeImages, unreadableProblem } from './probe.ts';
import type { CheckOptions, DatasetItem, FormatCheck } from './types.ts';

export interface TextLine {
  line: number;
  path: string;
  text: string;
}

const MISSING: ProblemText = {
  code: 'text_label_file_missing',
  message: 'No label.txt was found. A text recognition dataset needs a label.txt with a line "path,text" for each image.',
};

const LISTING: ListingTexts = {
  duplicate: (image, earlierLine) => ({
    code: 'text_image_duplicate',
    params: { image, earlierLine },
    message: `The image "${image}" is already listed at line ${earlierLine}; list each image once.`,
  }),
  notListed: { code: 'text_image_not_listed', message: 'This image is not listed in label.txt. Add a line "path,text" for it or remove it.' },
};

/** Parses label.txt text (already decoded): every non-blank line is `path,text`; spaces around both are dropped. */
export function parseTextLines(text: string, file = 'label.txt'): { lines: TextLine[]; problems: Problem[] } {
  const lines: TextLine[] = [];
  const problems: Problem[] = [];
  for (const { content, number } of labelLines(text)) {
    const comma = content.search(/[,，]/);
    if (comma <= 0) {
      problems.push({ file, line: number, code: 'text_line_invalid', params: { found: content }, message: `Expected a line "path,text" but found "${content}".` });
      continue;
    }
    const entry = { line: number, path: content.slice(0, comma).trim(), text: content.slice(comma + 1).trim() };
    if (entry.text === '') {
      problems.push({
        file,
        line: number,
        code: 'text_empty',
        params: { image: entry.path },
        message: `The text of ${entry.path} is empty; write the text the image shows after the comma.`,
      });
      continue;
    }
    lines.push(entry);
  }
  return { lines, problems };
}

export async function checkTextRecognition(upload: Upload, options: CheckOptions = {}): Promise<FormatCheck> {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const label = await readLabelFile(upload, MISSING);
  const unused = upload.files.filter((file) => !isImagePath(file) && file !== label.file);
  if (!upload.files.some(isImagePath)) problems.push({ file: '', code: 'no_images', message: 'The upload holds no images (supported types: PNG, JPEG, BMP, WebP, TIFF).' });
  if (label.file === null) {
    problems.push({ file: '', ...label.problem });
    return { items: [], problems, warnings, encoding: null, unused };
  }
  const parsed = parseTextLines(label.text, label.file);
  problems.push(...parsed.problems);
  if (parsed.lines.length === 0 && parsed.problems.length === 0) problems.push({ file: label.file, code: 'label_empty', message: 'label.txt lists no images.' });
  const resolved = resolveListed(upload, label.file, parsed.lines, LISTING, problems, warnings);

  const probes = await probeImages(upload.root, resolved.map((r) => r.file), options.onProgress);
  const items: DatasetItem[] = [];
  for (const { record, file } of resolved) {
    const probe = probes.get(file)!;
    if (!probe.ok) problems.push({ file, ...unreadableProblem(probe) });
    else items.push({ source: file, image: probe.info, text: record.text });
  }
  assignFolderSplits(items);
  return { items, problems, warnings, encoding: label.encoding, unused };
}
