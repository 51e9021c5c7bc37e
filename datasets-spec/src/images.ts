/**
 * Reading and storing dataset images. Every image is fully decoded once at import, so a file that
 * is truncated or not an image is reported then, not when a training job trips over it. BMP is
 * decoded with bmp-ts (sharp/libvips has no BMP reader) and stored as PNG, and images carrying an
 * EXIF orientation are stored upright, so every later reader (sharp, PIL, browsers) sees the same
 * pixels whether or not it honours EXIF.
 */
import { readFile, rename, copyFile, rm, writeFile, open } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { decode as decodeBmp } from 'bmp-ts';
import type { ProblemCode, ProblemParams } from './problems.ts';

export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.bmp', '.webp', '.tif', '.tiff'];

/** True for a supported image file name, whatever the case of its extension (IMG_01.JPG). */
export function isImagePath(file: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.posix.extname(file).toLowerCase());
}

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'tiff' | 'bmp';
const SHARP_FORMATS = new Set<string>(['jpeg', 'png', 'webp', 'tiff']);

export interface ImageInfo {
  /** Width as displayed, after EXIF orientation: the width of the stored image after import. */
  width: number;
  height: number;
  /** Width of the pixel grid in the file, before EXIF orientation. */
  fileWidth: number;
  fileHeight: number;
  format: ImageFormat;
  /** EXIF orientation, 1 (none) to 8. */
  orientation: number;
}

/** Why an image cannot be read: `reason` in English, `code` and `params` for other languages. */
export interface ImageFailure {
  ok: false;
  reason: string;
  code: Extract<ProblemCode, 'image_unreadable' | 'image_unsupported_format' | 'bmp_header_damaged' | 'bmp_damaged' | 'bmp_too_large'>;
  params: ProblemParams;
}

export type ImageProbe = { ok: true; info: ImageInfo } | ImageFailure;

/** BMPs are decoded in JavaScript; refuse headers that would need gigabytes before decoding. */
const MAX_BMP_PIXELS = 64_000_000;

/** Decodes the whole image (not just its header) and reports its size, or why it is unreadable. */
export async function probeImage(file: string): Promise<ImageProbe> {
  try {
    if (await startsWithBmpMagic(file)) return probeBmp(await readFile(file));
    const meta = await sharp(file).metadata();
    if (!SHARP_FORMATS.has(meta.format ?? '')) {
      const format = String(meta.format).toUpperCase();
      return { ok: false, reason: `it is a ${format} file; supported types are PNG, JPEG, BMP, WebP and TIFF`, code: 'image_unsupported_format', params: { format } };
    }
    // Decode every pixel (stats() streams, so a big image is not held whole). 'truncated' rather
    // than the default 'warning': refuse cut-off files, accept the harmless warnings many
    // cameras' JPEGs raise.
    await sharp(file, { failOn: 'truncated', sequentialRead: true }).stats();
    const orientation = meta.orientation ?? 1;
    return {
      ok: true,
      info: {
        width: meta.autoOrient.width,
        height: meta.autoOrient.height,
        fileWidth: meta.width,
        fileHeight: meta.height,
        format: meta.format as ImageFormat,
        orientation,
      },
    };
  } catch (err) {
    const reason = firstLine((err as Error).message);
    return { ok: false, reason, code: 'image_unreadable', params: { reason } };
  }
}

async function startsWithBmpMagic(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer.toString('latin1') === 'BM';
  } finally {
    await handle.close();
  }
}

function bmpSize(bytes: Buffer): { width: number; height: number } | null {
  if (bytes.length < 26) return null;
  // BITMAPCOREHEADER (12 bytes) stores 16-bit sizes; every later header 32-bit signed ones
  // (a negative height means rows are stored top-down).
  if (bytes.readUInt32LE(14) === 12) return { width: bytes.readUInt16LE(18), height: bytes.readUInt16LE(20) };
  return { width: Math.abs(bytes.readInt32LE(18)), height: Math.abs(bytes.readInt32LE(22)) };
}

function probeBmp(bytes: Buffer): ImageProbe {
  const size = bmpSize(bytes);
  if (size === null || size.width === 0 || size.height === 0) return { ok: false, reason: 'its BMP header is damaged', code: 'bmp_header_damaged', params: {} };
  if (size.width * size.height > MAX_BMP_PIXELS) {
    return { ok: false, reason: `the BMP image is too large (${size.width}x${size.height})`, code: 'bmp_too_large', params: { width: size.width, height: size.height } };
  }
  try {
    const decoded = decodeBmp(bytes, { toRGBA: true });
    return {
      ok: true,
      info: { width: decoded.width, height: decoded.height, fileWidth: decoded.width, fileHeight: decoded.height, format: 'bmp', orientation: 1 },
    };
  } catch (err) {
    const reason = firstLine((err as Error).message);
    return { ok: false, reason: `the BMP data is damaged or truncated (${reason})`, code: 'bmp_damaged', params: { reason } };
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

/** The path an image is stored under: BMPs become PNGs (`a.bmp` → `a.bmp.png`, keeping names unique). */
export function storedPath(file: string, info: ImageInfo): string {
  return info.format === 'bmp' ? `${file}.png` : file;
}

/**
 * Moves `source` to `target` (its directory must exist), converting BMP to PNG and turning
 * EXIF-oriented images upright; other images are moved untouched.
 */
export async function storeImage(source: string, target: string, info: ImageInfo): Promise<void> {
  if (info.format === 'bmp') {
    const decoded = decodeBmp(await readFile(source), { toRGBA: true });
    // BMP alpha is unreliable (24-bit decodes as transparent): keep RGB only.
    const png = await sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: 4 } })
      .removeAlpha()
      .png()
      .toBuffer();
    await writeFile(target, png);
    await rm(source);
    return;
  }
  if (info.orientation > 1) {
    const upright = await sharp(source).autoOrient().toFormat(info.format, { quality: 95 }).toBuffer();
    await writeFile(target, upright);
    await rm(source);
    return;
  }
  await move(source, target);
}

async function move(source: string, target: string): Promise<void> {
  try {
    await rename(source, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(source, target);
    await rm(source);
  }
}
