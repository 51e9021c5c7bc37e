/**
 * Synthetic text-detection data for the end-to-end tests: short words drawn on noisy gradient
 * canvases, some level, some turned by 10–40°, written as a text-detection zip (images +
 * label.txt, datasets-spec/SPEC.md "Text detection and segmentation").
 *
 * Glyphs come from fixed 5×7 bitmaps, not from a font: the machines that run the tests may have
 * no fonts at all, and a recognizer only needs each character to look the same every time. Latin
 * glyphs are drawn by hand; the Chinese ones (so the charset holds characters beyond ASCII) are
 * pseudo-random bitmaps fixed by their code point. Words are rasterized here, pixel by pixel with
 * 4×4 supersampling, so each word's outline — the rectangle around its ink, turned with it — is
 * exact by construction rather than guessed after an image library's resampling.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import yazl from 'yazl';
import { seededRandom } from './random.ts';

const GLYPH_COLUMNS = 5;
const GLYPH_ROWS = 7;
/** Empty columns between two glyphs of a word. */
const GLYPH_GAP = 1;

const LATIN_GLYPHS: Record<string, string> = {
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  A: '.###. #...# #...# ##### #...# #...# #...#',
  E: '##### #.... #.... ####. #.... #.... #####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
};
const CHINESE = '中文猫';

/** Every character the words use: twelve Latin ones and three Chinese. */
export const TEXT_CHARACTERS = [...Object.keys(LATIN_GLYPHS), ...CHINESE].join('');

/** A glyph as rows of cells, true = ink. */
export type Glyph = boolean[][];

const glyphs = new Map<string, Glyph>();

/** The fixed bitmap of a character of `TEXT_CHARACTERS`. */
export function glyphOf(char: string): Glyph {
  let glyph = glyphs.get(char);
  if (glyph) return glyph;
  const drawn = LATIN_GLYPHS[char];
  if (drawn !== undefined) {
    glyph = drawn.split(' ').map((row) => [...row].map((cell) => cell === '#'));
  } else if (CHINESE.includes(char)) {
    const rand = seededRandom(char.codePointAt(0)!);
    // Ink in every row keeps it as tall as the Latin glyphs; a few cells could be any glyph.
    do {
      glyph = Array.from({ length: GLYPH_ROWS }, () => Array.from({ length: GLYPH_COLUMNS }, () => rand() < 0.5));
    } while (!glyph.every((row) => row.some(Boolean)) || glyph.flat().filter(Boolean).length < 14);
  } else {
    throw new Error(`no glyph for ${JSON.stringify(char)}; the characters are ${TEXT_CHARACTERS}`);
  }
  glyphs.set(char, glyph);
  return glyph;
}

/** A word as drawn: its text, its cell size in pixels, its turn (degrees, clockwise on screen) and the centre of its ink. */
export interface WordPlacement {
  text: string;
  scale: number;
  angle: number;
  cx: number;
  cy: number;
}

/** The rectangle around a word's ink, level, in its own pixels (origin at the first glyph's top-left cell). */
export function inkBounds(text: string, scale: number): { left: number; top: number; right: number; bottom: number } {
  const chars = [...text];
  if (chars.length === 0) throw new Error('a word needs at least one character');
  let left = Infinity;
  let right = -Infinity;
  let top = Infinity;
  let bottom = -Infinity;
  chars.forEach((char, i) => {
    const offset = i * (GLYPH_COLUMNS + GLYPH_GAP);
    glyphOf(char).forEach((row, r) =>
      row.forEach((ink, c) => {
        if (!ink) return;
        left = Math.min(left, offset + c);
        right = Math.max(right, offset + c + 1);
        top = Math.min(top, r);
        bottom = Math.max(bottom, r + 1);
      }),
    );
  });
  return { left: left * scale, top: top * scale, right: right * scale, bottom: bottom * scale };
}

/**
 * The word's outline in image pixels: the rectangle around its ink turned with it, clockwise on
 * screen from the top-left corner as read (top-left, top-right, bottom-right, bottom-left).
 */
export function wordPolygon(word: WordPlacement): [number, number][] {
  const { left, top, right, bottom } = inkBounds(word.text, word.scale);
  const toImage = wordToImage(word);
  return [toImage(left, top), toImage(right, top), toImage(right, bottom), toImage(left, bottom)];
}

function wordToImage(word: WordPlacement): (u: number, v: number) => [number, number] {
  const { left, top, right, bottom } = inkBounds(word.text, word.scale);
  const [mu, mv] = [(left + right) / 2, (top + bottom) / 2];
  const [cos, sin] = [Math.cos((word.angle * Math.PI) / 180), Math.sin((word.angle * Math.PI) / 180)];
  // y points down, so a positive angle turns clockwise on screen.
  return (u, v) => [word.cx + (u - mu) * cos - (v - mv) * sin, word.cy + (u - mu) * sin + (v - mv) * cos];
}

const SUBSAMPLES = 4;

/**
 * The share of image pixel (x, y) — the square [x, x+1) × [y, y+1) — the word's ink covers,
 * from 4×4 samples mapped back into the word's glyph cells.
 */
export function inkCoverage(word: WordPlacement, x: number, y: number): number {
  return coverageSampler(word)(x, y);
}

function coverageSampler(word: WordPlacement): (x: number, y: number) => number {
  const chars = [...word.text].map(glyphOf);
  const { left, top, right, bottom } = inkBounds(word.text, word.scale);
  const [mu, mv] = [(left + right) / 2, (top + bottom) / 2];
  const [cos, sin] = [Math.cos((word.angle * Math.PI) / 180), Math.sin((word.angle * Math.PI) / 180)];
  const inkAt = (u: number, v: number): boolean => {
    const column = Math.floor(u / word.scale);
    const row = Math.floor(v / word.scale);
    if (column < 0 || row < 0 || row >= GLYPH_ROWS) return false;
    const glyph = chars[Math.floor(column / (GLYPH_COLUMNS + GLYPH_GAP))];
    const cell = column % (GLYPH_COLUMNS + GLYPH_GAP);
    return glyph !== undefined && cell < GLYPH_COLUMNS && glyph[row]![cell]!;
  };
  return (x, y) => {
    let hits = 0;
    for (let i = 0; i < SUBSAMPLES; i++) {
      for (let j = 0; j < SUBSAMPLES; j++) {
        const dx = x + (i + 0.5) / SUBSAMPLES - word.cx;
        const dy = y + (j + 0.5) / SUBSAMPLES - word.cy;
        // The inverse turn takes the image point back into the word's own pixels.
        if (inkAt(mu + dx * cos + dy * sin, mv - dx * sin + dy * cos)) hits++;
      }
    }
    return hits / (SUBSAMPLES * SUBSAMPLES);
  };
}

export interface TextWord {
  text: string;
  /** The outline, as `wordPolygon` gives it (exact, unrounded). */
  points: [number, number][];
  angle: number;
  /** How label.txt lists it: level words as a rectangle or a 4-point polygon, turned words as polygons. */
  shape: 'rectangle' | 'polygon';
}

export interface TextImage {
  name: string;
  png: Buffer;
  width: number;
  height: number;
  words: TextWord[];
}

/** Pixels kept free around every word (on top of its turned bounds) so no two outlines touch. */
const WORD_GAP = 6;
const EDGE_MARGIN = 3;

/**
 * One scene: a 160–224 px canvas (noise over a gradient) with 1–3 words of 2–4 characters, cells
 * of 3 or 4 pixels (glyphs 21 or 28 px tall), 40 % of them turned by 10–40° either way.
 */
export async function drawTextImage(seed: number): Promise<Omit<TextImage, 'name'>> {
  const rand = seededRandom(seed);
  const width = 160 + Math.floor(rand() * 65);
  const height = 160 + Math.floor(rand() * 65);
  const base = [40 + rand() * 175, 40 + rand() * 175, 40 + rand() * 175];
  const slope = [rand() - 0.5, rand() - 0.5, rand() - 0.5];
  const pixels = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) pixels[(y * width + x) * 3 + c] = base[c]! + slope[c]! * (x + y) * 0.4 + (rand() - 0.5) * 50;
    }
  }
  const brightness = (base[0]! + base[1]! + base[2]!) / 3;

  const words: TextWord[] = [];
  const taken: { x1: number; y1: number; x2: number; y2: number }[] = [];
  const wanted = 1 + Math.floor(rand() * 3);
  for (let attempt = 0; words.length < wanted && attempt < 40; attempt++) {
    const length = 2 + Math.floor(rand() * 3);
    const text = Array.from({ length }, () => [...TEXT_CHARACTERS][Math.floor(rand() * [...TEXT_CHARACTERS].length)]!).join('');
    const scale = rand() < 0.5 ? 3 : 4;
    const turned = rand() < 0.4;
    const angle = turned ? (rand() < 0.5 ? -1 : 1) * (10 + rand() * 30) : 0;
    const { left, top, right, bottom } = inkBounds(text, scale);
    const [w, h] = [right - left, bottom - top];
    const [cos, sin] = [Math.abs(Math.cos((angle * Math.PI) / 180)), Math.abs(Math.sin((angle * Math.PI) / 180))];
    const [ex, ey] = [(w * cos + h * sin) / 2, (w * sin + h * cos) / 2];
    const room = [width - 2 * (ex + EDGE_MARGIN), height - 2 * (ey + EDGE_MARGIN)];
    if (room[0]! <= 0 || room[1]! <= 0) continue;
    let cx = ex + EDGE_MARGIN + rand() * room[0]!;
    let cy = ey + EDGE_MARGIN + rand() * room[1]!;
    // A level word sits on whole pixels, so its rectangle is whole numbers (and its ink sharp).
    if (!turned) [cx, cy] = [Math.round(cx - w / 2) + w / 2, Math.round(cy - h / 2) + h / 2];
    const bounds = { x1: cx - ex, y1: cy - ey, x2: cx + ex, y2: cy + ey };
    if (taken.some((b) => !(b.x2 + WORD_GAP < bounds.x1 || bounds.x2 + WORD_GAP < b.x1 || b.y2 + WORD_GAP < bounds.y1 || bounds.y2 + WORD_GAP < b.y1))) continue;
    taken.push(bounds);
    const word: WordPlacement = { text, scale, angle, cx, cy };
    // Ink at least 90 grey levels away from the background's mean, so every word stays legible.
    let ink: number[];
    do ink = [rand() * 255, rand() * 255, rand() * 255];
    while (Math.abs((ink[0]! + ink[1]! + ink[2]!) / 3 - brightness) < 90);
    const cover = coverageSampler(word);
    for (let y = Math.max(0, Math.floor(bounds.y1) - 1); y < Math.min(height, Math.ceil(bounds.y2) + 1); y++) {
      for (let x = Math.max(0, Math.floor(bounds.x1) - 1); x < Math.min(width, Math.ceil(bounds.x2) + 1); x++) {
        const alpha = cover(x, y);
        if (alpha === 0) continue;
        for (let c = 0; c < 3; c++) {
          const i = (y * width + x) * 3 + c;
          pixels[i] = pixels[i]! * (1 - alpha) + ink[c]! * alpha;
        }
      }
    }
    words.push({ text, points: wordPolygon(word), angle, shape: turned || rand() < 0.5 ? 'polygon' : 'rectangle' });
  }
  const bytes = Buffer.alloc(pixels.length);
  for (let i = 0; i < pixels.length; i++) bytes[i] = Math.max(0, Math.min(255, Math.round(pixels[i]!)));
  const png = await sharp(bytes, { raw: { width, height, channels: 3 } }).png().toBuffer();
  return { png, width, height, words };
}

export async function drawTextImages(count: number, seed = 1): Promise<TextImage[]> {
  const images: TextImage[] = [];
  for (let i = 0; i < count; i++) {
    const image = await drawTextImage(seed * 100_003 + i);
    images.push({ name: `scene_${String(i).padStart(4, '0')}.png`, ...image });
  }
  return images;
}

/** Hundredths of a pixel: what label.txt states (the importer keeps decimals). */
const round2 = (v: number) => Math.round(v * 100) / 100;

/** The text-detection format's label.txt for these images (paths relative to the dataset root). */
export function textDetectionLabelTxt(images: TextImage[], folder = 'images'): string {
  const lines: string[] = [];
  for (const image of images) {
    lines.push(`${folder}/${image.name},${image.width},${image.height}`);
    lines.push(String(image.words.length));
    for (const word of image.words) {
      if (word.shape === 'rectangle') {
        const [[x1, y1], , [x2, y2]] = word.points as [[number, number], unknown, [number, number]];
        lines.push(`${round2(x1)},${round2(y1)},${round2(x2)},${round2(y2)},${word.text}`);
      } else {
        lines.push(`${word.points.map(([x, y]) => `(${round2(x)},${round2(y)})`).join(',')},${word.text}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Writes a text-detection zip: everything inside one top-level folder, as users zip it. */
export async function writeTextDetectionZip(images: TextImage[], zipPath: string): Promise<void> {
  await mkdir(path.dirname(zipPath), { recursive: true });
  const zip = new yazl.ZipFile();
  for (const image of images) zip.addBuffer(image.png, `words/images/${image.name}`);
  zip.addBuffer(Buffer.from(textDetectionLabelTxt(images), 'utf8'), 'words/label.txt');
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
}
