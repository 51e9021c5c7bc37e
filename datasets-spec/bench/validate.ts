/**
 * `npm run bench -w datasets-spec [-- --images N --scale K --image-kib S]`: what validating an
 * upload costs on large detection zips, against a baseline measured in the same run.
 *
 * For each size (N images, then K × N images; by default 10,000 images ≈ 1 GiB, and 2 GiB) a
 * detection zip is written into a temporary folder: `label.txt` (1–3 boxes an image) and
 * 640×480 JPEGs of Gaussian noise, about S KiB each, deflated as zip tools do. Then:
 *
 * - baseline: `unzip -t -qq` on the zip — inflating every entry and checking its CRC, the least
 *   any validation must do;
 * - validation: `importDataset` (the upload path: unpack with every limit, infer the format,
 *   decode every image, check label.txt, write the dataset) into a temporary folder, in a child
 *   process whose peak RSS (ru_maxrss) is the importer's memory. Peak RSS must stay flat as the
 *   zip grows: the zip is streamed, never held in memory.
 *
 * Every temporary file (the zips are gigabytes) is removed at the end, on error and on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import yazl from 'yazl';
import { formatBytes } from '../src/zip.ts';
import type { ChildResult } from './import-child.ts';

const WIDTH = 640;
const HEIGHT = 480;
const LABELS = ['car', 'cat', 'dog'];
/** Distinct noise images drawn; entries reuse them (each with its own bytes, see `variant`). */
const POOL = 64;

const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '10000' },
    scale: { type: 'string', default: '2' },
    'image-kib': { type: 'string', default: '108' },
  },
});
const images = positiveInteger('--images', args.images);
const scale = positiveInteger('--scale', args.scale);
const imageBytes = positiveInteger('--image-kib', args['image-kib']) * 1024;
const counts = scale === 1 ? [images] : [images, images * scale];

// Everything temporary lives in one folder, removed however the run ends. The running child
// (unzip or the importer) is killed first and waited for, so nothing writes into it afterwards.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'aip-bench-validate-'));
const running = new Set<ChildProcess>();
let aborting = false;
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.on(signal, () => {
    if (aborting) return;
    aborting = true;
    process.stderr.write(`\n${signal}: removing ${tmp}\n`);
    void Promise.all(
      [...running].map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    ).finally(() => process.exit(code));
  });
}

interface Row {
  zipBytes: number;
  images: number;
  unzipSeconds: number;
  child: ChildResult;
}

try {
  const pool = await noisePool(imageBytes);
  const rows: Row[] = [];
  for (const count of counts) {
    const zipPath = path.join(tmp, `detection-${count}.zip`);
    progress(`writing a ${count.toLocaleString('en')}-image detection zip`);
    await writeDetectionZip(zipPath, count, pool);
    const zipBytes = (await stat(zipPath)).size;
    progress(`unzip -t -qq (${formatBytes(zipBytes)})`);
    const unzip = await timed(() => run('unzip', ['-t', '-qq', zipPath]));
    progress(`importDataset (${formatBytes(zipBytes)})`);
    const outDir = path.join(tmp, `dataset-${count}`);
    const output = await run(process.execPath, ['--import', 'tsx', path.join('bench', 'import-child.ts'), zipPath, outDir], packageDir);
    const child = JSON.parse(output.trim().split('\n').at(-1)!) as ChildResult;
    if (child.images !== count || child.format !== 'detection') {
      throw new Error(`the import found ${child.images} ${child.format} images, ${count} detection images expected`);
    }
    // One size at a time on disk: the zip and the dataset of 2 GiB take 4 GiB.
    await rm(zipPath, { force: true });
    await rm(outDir, { recursive: true, force: true });
    rows.push({ zipBytes, images: count, unzipSeconds: unzip.seconds, child });
  }
  report(rows);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

function report(rows: Row[]): void {
  const mib = (kib: number) => (kib / 1024).toFixed(0);
  console.log(`\nUpload validation of detection zips (640×480 noise JPEGs; ${os.cpus().length} CPUs; times in seconds)`);
  console.log('zip size     images   unzip -t   validation    ratio   extract/check/store   peak RSS MiB   extract/check/store MiB   at start MiB');
  for (const { zipBytes, images, unzipSeconds, child } of rows) {
    const { extract = 0, check = extract, store = child.seconds } = child.phases;
    const phases = `${extract.toFixed(1)} / ${(check - extract).toFixed(1)} / ${(store - check).toFixed(1)}`;
    const phaseRss = (['extract', 'check', 'store'] as const).map((phase) => mib(child.phaseRssKiB[phase] ?? 0)).join(' / ');
    console.log(
      `${formatBytes(zipBytes).padEnd(9)} ${images.toLocaleString('en').padStart(9)}  ${unzipSeconds.toFixed(1).padStart(9)}  ${child.seconds
        .toFixed(1)
        .padStart(11)}  ${(child.seconds / unzipSeconds).toFixed(1).padStart(6)}×  ${phases.padStart(20)}  ${mib(child.maxRssKiB).padStart(13)}  ${phaseRss.padStart(
        24,
      )}  ${mib(child.startRssKiB).padStart(13)}`,
    );
  }
  const [small, large] = [rows[0]!, rows.at(-1)!];
  if (rows.length > 1) {
    const growth = large.child.maxRssKiB - small.child.maxRssKiB;
    console.log(
      `peak RSS from ${formatBytes(small.zipBytes)} to ${formatBytes(large.zipBytes)} (zip ${(large.zipBytes / small.zipBytes).toFixed(1)}×): ` +
        `${mib(small.child.maxRssKiB)} → ${mib(large.child.maxRssKiB)} MiB (${growth >= 0 ? '+' : ''}${mib(growth)} MiB, ` +
        `${((large.child.maxRssKiB / small.child.maxRssKiB) * 100 - 100).toFixed(1)}%)`,
    );
  }
}

/**
 * POOL distinct 640×480 Gaussian-noise JPEGs of about `bytes` each: the noise's sigma is found by
 * bisection (JPEG size grows with it). Noise does not deflate, so the zip is as big as its images.
 */
async function noisePool(bytes: number): Promise<Buffer[]> {
  const draw = (sigma: number) =>
    sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma } } })
      .jpeg({ quality: 90 })
      .toBuffer();
  let [low, high] = [0.5, 120];
  if ((await draw(high)).length < bytes) throw new Error(`a ${WIDTH}×${HEIGHT} noise JPEG cannot reach ${formatBytes(bytes)}: ask for a smaller --image-kib`);
  for (let i = 0; i < 10; i++) {
    const sigma = (low + high) / 2;
    if ((await draw(sigma)).length < bytes) low = sigma;
    else high = sigma;
  }
  progress(`drawing ${POOL} noise images (sigma ${high.toFixed(1)})`);
  const pool: Buffer[] = [];
  for (let i = 0; i < POOL; i++) pool.push(await draw(high));
  return pool;
}

/** The pool image with a JPEG comment (COM segment) naming the entry: same pixels, its own bytes and CRC. */
function variant(jpeg: Buffer, index: number): Buffer {
  const text = Buffer.from(`aip bench image ${index}`);
  const segment = Buffer.alloc(4 + text.length);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(2 + text.length, 2);
  text.copy(segment, 4);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

/**
 * Streams the zip to disk: each image is made when yazl reaches its entry (addReadStreamLazy), so
 * memory holds one image, not the archive. The labels are seeded, so every run writes the same.
 */
async function writeDetectionZip(zipPath: string, count: number, pool: Buffer[]): Promise<void> {
  const random = mulberry32(count);
  const name = (i: number) => `images/${String(i + 1).padStart(6, '0')}.jpg`;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const boxes = 1 + Math.floor(random() * 3);
    lines.push(`${name(i)},${WIDTH},${HEIGHT}`, String(boxes));
    for (let b = 0; b < boxes; b++) {
      const x1 = Math.floor(random() * (WIDTH - 40));
      const y1 = Math.floor(random() * (HEIGHT - 40));
      const x2 = x1 + 20 + Math.floor(random() * (WIDTH - x1 - 20));
      const y2 = y1 + 20 + Math.floor(random() * (HEIGHT - y1 - 20));
      lines.push(`${x1},${y1},${x2},${y2},${LABELS[Math.floor(random() * LABELS.length)]}`);
    }
  }
  const zip = new yazl.ZipFile();
  const file = createWriteStream(zipPath);
  zip.outputStream.pipe(file);
  const mtime = new Date(2024, 0, 1);
  zip.addBuffer(Buffer.from(`${lines.join('\n')}\n`), 'label.txt', { mtime });
  for (let i = 0; i < count; i++) {
    zip.addReadStreamLazy(name(i), { mtime }, (callback) => callback(null, Readable.from([variant(pool[i % pool.length]!, i)])));
  }
  zip.end();
  await finished(file);
}

/** Runs a command to completion and returns its stdout; stderr goes to ours. */
function run(command: string, commandArgs: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    running.add(child);
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      running.delete(child);
      if (code === 0) resolve(stdout);
      else if (!aborting) reject(new Error(`${command} ${commandArgs.join(' ')} exited with ${signal ?? code}`));
    });
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - start) / 1000 };
}

/** Small deterministic PRNG so every run writes the same labels. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function positiveInteger(option: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${option} takes a whole number ≥ 1, not ${value}`);
  return number;
}

function progress(line: string): void {
  process.stderr.write(`… ${line}\n`);
}
