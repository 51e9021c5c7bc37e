/**
 * Property test of the importer against hostile and broken uploads: valid zips, mutated many
 * ways at random (seeded, so a failure can be replayed with FUZZ_SEED), must each be either
 * imported into a complete, valid dataset or refused with a DatasetError whose problems all carry
 * a catalogue code — never another exception, never a file outside the temporary parent, never a
 * half-written output folder.
 *
 * Replay or explore: FUZZ_SEED=123 FUZZ_CASES=2000 npx vitest run --project unit datasets-spec/src/fuzz
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { importDataset } from './import.ts';
import { entryProblem, readManifest } from './manifest.ts';
import { DatasetError, PROBLEM_CODES } from './problems.ts';
import { bmp, jpeg, png } from './testing/fixtures.ts';
import { rawZip, type RawEntry } from './testing/raw-zip.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
/** Per dataset kind. */
const CASES = Number(process.env.FUZZ_CASES ?? 150);

/** mulberry32: small, fast, and the same sequence on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Dice {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

interface Upload {
  entries: RawEntry[];
  /** label.txt lines (detection); written into the entry named `labelName` when the zip is built. */
  label?: { lines: string[]; eol: string; encoding: 'utf-8' | 'utf-8-bom' | 'gbk' };
}

const LABEL_NAME = 'label.txt';
const ESCAPE_NAME = `aip-fuzz-escape-${SEED}.png`;

async function baseUpload(kind: 'classification' | 'detection'): Promise<Upload> {
  if (kind === 'classification') {
    return {
      entries: [
        { name: 'pets/cat/1.png', data: await png(6, 4) },
        { name: 'pets/cat/2.jpg', data: await jpeg(5, 5) },
        { name: 'pets/dog/3.png', data: await png(4, 4, '#123') },
        { name: 'pets/dog/4.bmp', data: bmp(3, 2) },
      ],
    };
  }
  return {
    entries: [
      { name: LABEL_NAME, data: Buffer.alloc(0) },
      { name: 'images/a.png', data: await png(16, 12) },
      { name: 'images/b.jpg', data: await jpeg(20, 10) },
      { name: 'images/c.bmp', data: bmp(8, 6) },
    ],
    label: {
      lines: ['images/a.png,16,12', '1', '2,3,10,9,cat', 'images/b.jpg,20,10', '2', '0,0,20,10,dog', '1,1,5,5,text, with comma', 'images/c.bmp,8,6', '0'],
      eol: '\n',
      encoding: 'utf-8',
    },
  };
}

function build(upload: Upload): Buffer {
  const label = upload.label;
  return rawZip(
    upload.entries.map((entry) => {
      if (label === undefined || entry.name !== LABEL_NAME) return entry;
      const text = label.lines.join(label.eol);
      const data =
        label.encoding === 'gbk'
          ? iconv.encode(text, 'gbk')
          : Buffer.concat([label.encoding === 'utf-8-bom' ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text)]);
      return { ...entry, data };
    }),
  );
}

/** Values that have broken parsers before: numbers out of range, not numbers, odd text. */
const ODD_VALUES = [
  '', ' ', '0', '-1', '-0', '+3', '1e309', '9'.repeat(400), '99999999999', '1.5', '.5', '5.', 'NaN', 'Infinity', '-Infinity', '0x10', '1_000',
  '猫', '🐱', '\u202e', '\u0000', '\ud83d', 'a,b', '，', '../../x.png', '/etc/passwd', 'C:\\x.png', 'images/A.PNG', 'images\\a.png', './images/a.png',
  ' images/a.png ', 'images/c.bmp', 'images/../images/b.jpg', 'label.txt',
];

type Mutation = (upload: Upload, dice: Dice, root: string) => string;

function nameOf(entry: RawEntry): string {
  return typeof entry.name === 'string' ? entry.name : entry.name.toString('latin1');
}

/** Line and paragraph separators (U+2028/9) are not line ends for label.txt: they stay inside a field. */
const UNICODE_SEPARATORS = ['\u2028', '\u2029'];

const labelMutations: Mutation[] = [
  (u, d) => {
    const i = d.int(u.label!.lines.length);
    u.label!.lines.splice(i, 1);
    return `drop label line ${i + 1}`;
  },
  (u, d) => {
    const i = d.int(u.label!.lines.length);
    u.label!.lines.splice(i, 0, u.label!.lines[i]!);
    return `duplicate label line ${i + 1}`;
  },
  (u, d) => {
    const lines = u.label!.lines;
    const [i, j] = [d.int(lines.length), d.int(lines.length)];
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    return `swap label lines ${i + 1} and ${j + 1}`;
  },
  (u, d) => {
    const i = d.int(u.label!.lines.length + 1);
    const line = d.pick(['', '   ', '\t', '\u3000', '0', 'garbage', '1,2,3', ',,,,', '，，，，，', 'x'.repeat(5000)]);
    u.label!.lines.splice(i, 0, line);
    return `insert label line ${JSON.stringify(line.slice(0, 20))} at ${i + 1}`;
  },
  (u, d) => {
    const lines = u.label!.lines;
    const i = d.int(lines.length);
    const fields = lines[i]!.split(',');
    const k = d.int(fields.length);
    const op = d.int(4);
    if (op === 0) fields.splice(k, 1);
    else if (op === 1) fields.splice(k, 0, fields[k]!);
    else if (op === 2) {
      const m = d.int(fields.length);
      [fields[k], fields[m]] = [fields[m]!, fields[k]!];
    } else fields[k] = d.pick(ODD_VALUES);
    lines[i] = fields.join(',');
    return `edit label line ${i + 1} (${['drop', 'duplicate', 'swap', 'replace'][op]} field ${k + 1}) → ${JSON.stringify(lines[i]!.slice(0, 60))}`;
  },
  (u, d) => {
    const lines = u.label!.lines;
    const counts = lines.map((l, i) => (/^\d+$/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (counts.length === 0) return 'no count line to change';
    const i = d.pick(counts);
    lines[i] = d.pick(['0', '1', '2', '3', '7', '-1', '1.0', '99999999999999999999', '']);
    return `set the count at line ${i + 1} to ${JSON.stringify(lines[i])}`;
  },
  (u, d) => {
    u.label!.eol = d.pick(['\r\n', '\r', '\n\n', ...UNICODE_SEPARATORS]);
    return `line ends ${JSON.stringify(u.label!.eol)}`;
  },
  (u, d) => {
    u.label!.encoding = d.pick(['utf-8-bom', 'gbk'] as const);
    return `label encoding ${u.label!.encoding}`;
  },
  (u) => {
    u.label!.lines = u.label!.lines.map((l) => l.replaceAll(',', '，'));
    return 'full-width commas';
  },
  (u, d) => {
    const i = d.int(u.label!.lines.length);
    u.label!.lines[i] = `${u.label!.lines[i]},${d.pick(['猫', '🐱', ' ', 'a b'])}`;
    return `append a field to label line ${i + 1}`;
  },
];

/** New names for an entry: climbing, absolute, Windows-style, too long, clutter, odd characters. */
function hostileName(d: Dice, current: string, root: string): string | Buffer {
  const base = path.posix.basename(current);
  const options: (() => string | Buffer)[] = [
    () => `../${base}`,
    () => `../../../../../../../../${ESCAPE_NAME}`,
    () => `a/../../${ESCAPE_NAME}`,
    () => `..\\..\\..\\${ESCAPE_NAME}`,
    () => `${root}/${ESCAPE_NAME}`,
    () => `/${base}`,
    () => `C:\\${base}`,
    () => `c:${base}`,
    () => `\\\\server\\share\\${base}`,
    () => current.replaceAll('/', '\\'),
    () => `${'x'.repeat(300)}.png`,
    () => `${'deep/'.repeat(900)}${base}`,
    () => `${'y'.repeat(250)}/${base}`,
    () => `${path.posix.dirname(current)}/${'z'.repeat(254)}.png`,
    () => `猫/😀${base}`,
    () => `${path.posix.dirname(current)}/./${base}`,
    () => `${path.posix.dirname(current)}//${base}`,
    () => `${current}/`,
    () => '',
    () => '.',
    () => './',
    () => `a\u0000b.png`,
    () => `__MACOSX/${current}`,
    () => `${path.posix.dirname(current)}/.DS_Store`,
    () => `${path.posix.dirname(current)}/._${base}`,
    () => current.toUpperCase(),
    () => current.normalize('NFD'),
    () => iconv.encode(`猫咪/${base}`, 'gbk'),
    () => Buffer.from([0xff, 0xfe, 0x2f, 0x61, 0x2e, 0x70, 0x6e, 0x67]),
    () => `${current} `,
    () => `${path.posix.dirname(current)}/CON.png`,
  ];
  return d.pick(options)();
}

const entryMutations: Mutation[] = [
  (u, d, root) => {
    const entry = d.pick(u.entries);
    const before = nameOf(entry);
    entry.name = hostileName(d, before, root);
    entry.utf8 = d.chance(0.7);
    return `rename ${before} → ${JSON.stringify(nameOf(entry).slice(0, 80))}${entry.utf8 ? '' : ' (no UTF-8 flag)'}`;
  },
  (u, d) => {
    const entry = d.pick(u.entries);
    u.entries.splice(d.int(u.entries.length + 1), 0, { ...entry, data: d.chance(0.5) ? entry.data : Buffer.from('other') });
    return `duplicate ${nameOf(entry)}`;
  },
  (u, d) => {
    const [entry] = u.entries.splice(d.int(u.entries.length), 1);
    return `drop ${nameOf(entry!)}`;
  },
  (u, d) => {
    const entry = d.pick(u.entries);
    entry.mode = d.pick([0o120777, 0o040755, 0o010644, 0o140644, 0]);
    return `mode ${entry.mode.toString(8)} on ${nameOf(entry)}`;
  },
  (u, d) => {
    const entry = d.pick(u.entries);
    u.entries.push({ name: `${nameOf(entry)}/`, data: Buffer.alloc(0), mode: 0o040755 });
    return `folder named like ${nameOf(entry)}`;
  },
  (u, d) => {
    const extra = d.pick(['readme.txt', 'sub/label.txt', 'LABEL.TXT', 'x.png', 'pets/x.png', 'images/x.png', 'test/x.png', 'train/cat/x.png', 'pets/empty/']);
    u.entries.push({ name: extra, data: extra.endsWith('/') ? Buffer.alloc(0) : Buffer.from('1\n'), ...(extra.endsWith('/') ? { mode: 0o040755 } : {}) });
    return `add ${extra}`;
  },
  (u, d) => {
    const entry = d.pick(u.entries);
    const data = Buffer.from(entry.data);
    const op = d.int(5);
    if (op === 0) for (let k = 0; k < 1 + d.int(8); k++) data[d.int(data.length || 1)] = d.int(256);
    entry.data = op === 0 ? data : op === 1 ? data.subarray(0, d.int(data.length)) : op === 2 ? Buffer.alloc(0) : op === 3 ? Buffer.from('not an image') : Buffer.concat([data, data]);
    return `${['flip bytes of', 'truncate', 'empty', 'replace with text', 'double'][op]} ${nameOf(entry)}`;
  },
  (u, d) => {
    // Image headers that lie about the size: zero, negative, enormous (decompression bombs).
    const images = u.entries.filter((e) => e.data.subarray(0, 2).toString('latin1') === 'BM' || e.data.subarray(1, 4).toString('latin1') === 'PNG');
    if (images.length === 0) return 'no image header to patch';
    const entry = d.pick(images);
    const data = Buffer.from(entry.data);
    const value = d.pick([0, 1, 0xffffffff, 0x7fffffff, 65535, 100_000]);
    const isBmp = data.toString('latin1', 0, 2) === 'BM';
    // BMP: little-endian width (18) and height (22); PNG: big-endian IHDR width (16) and height (20).
    if (isBmp) data.writeUInt32LE(value, d.pick([18, 22]));
    else data.writeUInt32BE(value, d.pick([16, 20]));
    entry.data = data;
    return `${isBmp ? 'BMP' : 'PNG'} header size ${value} in ${nameOf(entry)}`;
  },
  (u, d) => {
    const [a, b] = [d.pick(u.entries), d.pick(u.entries)];
    [a.data, b.data] = [b.data, a.data];
    return `swap the content of ${nameOf(a)} and ${nameOf(b)}`;
  },
  (u, d) => {
    const entry = d.pick(u.entries);
    const before = nameOf(entry);
    entry.name = before.replace(/\.[^./]*$/, d.pick(['.PNG', '.jpeg', '.bmp', '.tif', '.webp', '.gif', '.txt', '']));
    return `rename ${before} → ${nameOf(entry)}`;
  },
  (u) => {
    for (const entry of u.entries) entry.deflate = true;
    return 'deflate every entry';
  },
  (u) => {
    for (const entry of u.entries) if (typeof entry.name === 'string') entry.name = `wrap/${entry.name}`;
    return 'wrap everything in a top folder';
  },
];

/** Byte-level damage of the finished archive. */
function damage(zip: Buffer, d: Dice): { zip: Buffer; what: string } {
  const op = d.int(5);
  if (op === 0) {
    const out = Buffer.from(zip);
    const n = 1 + d.int(6);
    for (let k = 0; k < n; k++) {
      const at = d.int(out.length);
      out[at] = out[at]! ^ (1 << d.int(8));
    }
    return { zip: out, what: `flip ${n} bits` };
  }
  if (op === 1) {
    const at = d.int(zip.length);
    return { zip: zip.subarray(0, at), what: `truncate at ${at}/${zip.length}` };
  }
  if (op === 2) return { zip: Buffer.concat([zip, Buffer.from('trailing garbage')]), what: 'append garbage' };
  if (op === 3) return { zip: Buffer.concat([Buffer.from('MZ garbage before'), zip]), what: 'prepend garbage' };
  const out = Buffer.from(zip);
  const at = d.int(out.length);
  out.fill(0, at, Math.min(out.length, at + 1 + d.int(64)));
  return { zip: out, what: `zero bytes from ${at}` };
}

const CODES = new Set<string>(PROBLEM_CODES);

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

async function checkCase(kind: 'classification' | 'detection', index: number, base: Upload): Promise<'accepted' | string[]> {
  const dice = new Dice(random(SEED * 1000 + index * 2 + (kind === 'detection' ? 1 : 0)));
  // The grandparent holds only what this case made, so any escape shows up in its listing.
  const root = await mkdtemp(path.join(tmpdir(), 'aip-fuzz-'));
  try {
    const parent = path.join(root, 'parent');
    await mkdir(parent);
    const upload: Upload = { entries: base.entries.map((e) => ({ ...e, deflate: dice.chance(0.5) })), ...(base.label ? { label: { ...base.label, lines: [...base.label.lines] } } : {}) };
    const mutations = [...entryMutations, ...(upload.label ? labelMutations : [])];
    const steps: string[] = [];
    const count = 1 + dice.int(3);
    for (let k = 0; k < count; k++) steps.push(dice.pick(mutations)(upload, dice, root));
    let zip = build(upload);
    if (dice.chance(0.2)) {
      const damaged = damage(zip, dice);
      zip = damaged.zip;
      steps.push(damaged.what);
    }
    const zipPath = path.join(root, 'upload.zip');
    await writeFile(zipPath, zip);
    const where = `FUZZ_SEED=${SEED} ${kind} case ${index}: ${steps.join('; ')}`;

    const outDir = path.join(parent, 'out');
    const outcome = await importDataset({ zipPath, outDir }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    expect(await listing(root), `${where}: nothing may appear beside the parent`).toEqual(['parent', 'upload.zip']);
    expect(existsSync(path.join(tmpdir(), ESCAPE_NAME)), `${where}: a file escaped into ${tmpdir()}`).toBe(false);

    if ('error' in outcome) {
      const error = outcome.error;
      if (!(error instanceof DatasetError)) throw new Error(`${where}: expected a DatasetError, got ${(error as Error)?.stack ?? String(error)}`);
      expect(await listing(parent), `${where}: a refused upload leaves nothing`).toEqual([]);
      expect(error.problems.length, `${where}: a refusal lists its problems`).toBeGreaterThan(0);
      for (const problem of error.problems) {
        expect(CODES.has(problem.code), `${where}: code ${problem.code} is not in the catalogue`).toBe(true);
        expect(typeof problem.file, where).toBe('string');
        expect(problem.message.length, where).toBeGreaterThan(0);
        if (problem.line !== undefined) expect(Number.isInteger(problem.line) && problem.line >= 1, `${where}: line ${problem.line}`).toBe(true);
        for (const value of Object.values(problem.params ?? {})) expect(['string', 'number'], `${where}: params of ${problem.code}`).toContain(typeof value);
      }
      return error.problems.map((p) => p.code);
    }
    expect(await listing(parent), `${where}: only the output folder remains`).toEqual(['out']);
    expect(await listing(outDir), `${where}: a complete dataset folder`).toEqual(['dataset.json', 'images', 'manifest.jsonl']);
    const { info, entries } = await readManifest(outDir);
    expect(info.images, where).toBe(entries.length);
    expect(entries.length, where).toBeGreaterThan(0);
    for (const entry of entries) {
      expect(entryProblem(entry, info.format), `${where}: ${entry.path}`).toBeNull();
      expect((await stat(path.join(outDir, ...entry.path.split('/')))).isFile(), `${where}: ${entry.path} is stored`).toBe(true);
    }
    return 'accepted';
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

describe('importDataset under random damage', () => {
  it.each(['classification', 'detection'] as const)('%s uploads: imported whole or refused with catalogue problems', async (kind) => {
    const base = await baseUpload(kind);
    // The unmutated upload is valid: the mutations, not the base, cause the refusals.
    const root = await mkdtemp(path.join(tmpdir(), 'aip-fuzz-'));
    try {
      await writeFile(path.join(root, 'upload.zip'), build(base));
      await expect(importDataset({ zipPath: path.join(root, 'upload.zip'), outDir: path.join(root, 'out') })).resolves.toMatchObject({ info: { format: kind } });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    // Every failing case is listed (not just the first), each with the seed that replays it.
    const failures: string[] = [];
    let accepted = 0;
    const codes = new Set<string>();
    for (let index = 0; index < CASES; index++) {
      await checkCase(kind, index, base).then((outcome) => {
        if (outcome === 'accepted') accepted++;
        else for (const code of outcome) codes.add(code);
      }, (err: Error) => {
        const message = err.message.startsWith('FUZZ_SEED') ? err.message : `FUZZ_SEED=${SEED} ${kind} case ${index} (in the test itself): ${err.stack}`;
        failures.push(message.split('\n').slice(0, 6).join('\n').slice(0, 800));
      });
    }
    expect(failures).toEqual([]);
    // Not a degenerate run: some uploads survive their mutations, and the refusals vary.
    if (CASES >= 100) {
      expect(accepted).toBeGreaterThan(CASES / 20);
      expect(codes.size).toBeGreaterThan(15);
    }
  });
});
