/**
 * How every check in this package reports what is wrong with an upload: a list of problems, each
 * naming the file (and the line, for label.txt) in words a non-specialist can act on.
 *
 * Each problem also carries a stable `code` and the `params` its sentence fills in, so a client
 * can show it in the user's language (the web translates `dataset.problem.<code>`); `message`
 * stays the English sentence, for logs, the API and clients that do not know the code.
 */
import type { FormatInference } from './infer-format.ts';

/**
 * Every problem code, refusals and warnings alike. The web has a translation for each (a test
 * checks it), so a code is added here before it is used, and never renamed.
 */
export const PROBLEM_CODES = [
  // The archive itself (zip.ts).
  'zip_unreadable',
  'zip_too_many_entries',
  'zip_too_large',
  'zip_empty',
  'zip_bomb',
  'zip_slip',
  'entry_path_absolute',
  'entry_path_drive_letter',
  'entry_name_nul',
  'entry_name_empty',
  'entry_name_too_long',
  'entry_symlink',
  'entry_encrypted',
  'entry_compression_unsupported',
  'entry_duplicate',
  'entry_too_large',
  'entry_damaged',
  'entry_checksum_mismatch',
  'file_folder_clash',
  // Images, whatever the format (images.ts, formats/probe.ts, import.ts).
  'no_images',
  'image_unreadable',
  'image_unsupported_format',
  'bmp_header_damaged',
  'bmp_damaged',
  'bmp_too_large',
  'bmp_name_clash',
  'bmp_converted',
  'exif_rotated',
  // Classification (formats/classification.ts).
  'single_folder',
  'image_outside_split',
  'image_not_in_class_folder',
  'empty_class_folder',
  'single_class',
  'no_training_images',
  'class_missing_in_train',
  'class_missing_in_test',
  // Detection: finding label.txt and the images it lists (formats/detection.ts).
  'label_file_missing',
  'label_file_multiple',
  'label_empty',
  'label_no_objects',
  'label_path_absolute',
  'label_path_outside',
  'label_path_matched_by_name',
  'label_path_matched_loosely',
  'label_image_missing',
  'label_image_unsupported',
  'label_image_duplicate',
  'image_not_listed',
  // Detection: the lines of label.txt.
  'label_unexpected_object_line',
  'label_image_line_expected',
  'label_count_missing',
  'label_count_invalid',
  'label_count_mismatch',
  'label_size_zero',
  'label_object_fields',
  'label_coordinate_not_number',
  'label_object_no_label',
  'label_size_mismatch',
  'label_size_exif',
  'label_box_x_order',
  'label_box_y_order',
  'label_box_outside',
  // Text recognition (formats/text-recognition.ts): label.txt lines "path,text".
  'text_label_file_missing',
  'text_line_invalid',
  'text_empty',
  'text_image_duplicate',
  'text_image_not_listed',
  // Text detection and segmentation (formats/shapes.ts): rectangles and polygons in label.txt records.
  'shapes_label_file_missing',
  'label_no_text_regions',
  'label_no_polygons',
  'label_shape_fields',
  'label_polygon_fields',
  'label_rectangle_not_allowed',
  'label_polygon_point_invalid',
  'label_polygon_no_label',
  'label_polygon_too_few_points',
  'label_polygon_closed',
  'label_polygon_reversed',
  'label_polygon_degenerate',
  'label_polygon_self_intersecting',
  'label_polygon_outside',
  // Enhancement (formats/enhancement.ts): train|test/input and train|test/target pairs.
  'enhancement_image_outside',
  'enhancement_unpaired',
  'enhancement_name_ambiguous',
  'enhancement_no_training_pairs',
  // Refinery (formats/unlabeled.ts).
  'refinery_image_type',
  // Written by the API (api/src/upload.ts) when the upload itself fails, before any check runs.
  'upload_failed',
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** The values a problem's sentence fills in (file names, counts, limits, found and expected values). */
export type ProblemParams = Record<string, string | number>;

export interface Problem {
  /** Path inside the zip as the user sees it; '' when the problem concerns the upload as a whole. */
  file: string;
  /** 1-based line number, for problems inside a text file such as label.txt. */
  line?: number;
  /** What is wrong, for machines: one of PROBLEM_CODES. */
  code: ProblemCode;
  /** The values `message` interpolates, by name; absent when it has none. */
  params?: ProblemParams;
  /** The English sentence. */
  message: string;
}

/** A problem's code, params and message, before it is tied to a file. */
export type ProblemText = Pick<Problem, 'code' | 'params' | 'message'>;

/** Formats one problem as "file, line N: message" for logs and summaries. */
export function describeProblem(problem: Problem): string {
  const where = problem.file === '' ? 'upload' : problem.file;
  return problem.line === undefined ? `${where}: ${problem.message}` : `${where}, line ${problem.line}: ${problem.message}`;
}

const SUMMARY_SHOWN = 5;

/** The upload was refused; `problems` lists every reason found, not just the first. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  readonly problems: Problem[];
  /** When the format was inferred (none given): what the layout showed, so a report can say it. */
  readonly inferred: FormatInference | undefined;

  constructor(problems: Problem[], inferred?: FormatInference) {
    super(summarize(problems));
    this.problems = problems;
    this.inferred = inferred;
  }
}

function summarize(problems: Problem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const shown = problems.slice(0, SUMMARY_SHOWN).map(describeProblem);
  const more = problems.length > SUMMARY_SHOWN ? ` (and ${problems.length - SUMMARY_SHOWN} more)` : '';
  return `The dataset was refused: ${count}. ${shown.join('; ')}${more}`;
}
