/** What a format checker hands the importer: the images it accepted and everything wrong. */
import type { ImageInfo } from '../images.ts';
import type { Box, Polygon, Split } from '../manifest.ts';
import type { Problem } from '../problems.ts';
import type { TextEncoding } from '../text.ts';

export interface DatasetItem {
  /** The image's path in the extracted upload, relative to its root, '/'-separated. */
  source: string;
  image: ImageInfo;
  /** Set when the upload's folders decide it (train/ and test/); otherwise the hash rule applies. */
  split?: Split;
  class?: string;
  boxes?: Box[];
  polygons?: Polygon[];
  text?: string;
  /** Enhancement: the paired target image, stored beside the input (`source`). */
  target?: { source: string; image: ImageInfo };
}

export interface FormatCheck {
  items: DatasetItem[];
  /** Problems refuse the upload; paths are relative to the extracted root. */
  problems: Problem[];
  /** Worth telling the user, but the upload is accepted. */
  warnings: Problem[];
  /** Encoding of the label file, null when the format has none. */
  encoding: TextEncoding | null;
  /** Files present in the upload that the format does not use. */
  unused: string[];
}

export interface CheckOptions {
  /** Called as images are decoded: images checked so far, images to check. */
  onProgress?: (done: number, total: number) => void;
}
