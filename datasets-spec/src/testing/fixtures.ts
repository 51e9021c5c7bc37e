/**
 * Test data builders: tiny images made with sharp, zips made with yazl, and byte-level patches
 * for the archives yazl refuses to write (climbing paths, encrypted flags, non-UTF-8 names).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encode as encodeBmp } from 'bmp-ts';
import sharp from 'sharp';
import { onTestFinished } from 'vitest';
import yazl from 'yazl';

/** A fresh folder, removed when the test that asked for it finishes. */
export async function tempDir(prefix = 'aip-ds-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function png(width: number, height: number, color = '#3a7'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
}

export function jpeg(width: number, height: number, orientation?: number): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: '#a53' } }).jpeg();
  return (orientation === undefined ? image : image.withMetadata({ orientation })).toBuffer();
}

/** A 24-bit BMP (sharp cannot write BMP). */
export function bmp(width: number, height: number): Buffer {
  // bmp-ts takes ABGR pixels.
  const abgr = Buffer.alloc(width * height * 4);
  for (let i = 0; i < abgr.length; i += 4) abgr.set([255, 200, 100, 50], i);
  return encodeBmp({ data: abgr, width, height, bitPP: 24 }).data;
}

export interface ZipItem {
  name: string;
  data?: Buffer | string;
  /** Unix mode with file type bits, e.g. 0o120777 for a symlink. */
  mode?: number;
  folder?: boolean;
  compress?: boolean;
}

export async function zipBuffer(items: ZipItem[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const item of items) {
    if (item.folder) zip.addEmptyDirectory(item.name);
    else {
      const data = typeof item.data === 'string' ? Buffer.from(item.data) : (item.data ?? Buffer.alloc(0));
      zip.addBuffer(data, item.name, { ...(item.mode !== undefined ? { mode: item.mode } : {}), compress: item.compress ?? true });
    }
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function writeZip(dir: string, items: ZipItem[], name = 'upload.zip'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, await zipBuffer(items));
  return file;
}

export interface EntryPatch {
  /** New name bytes; must have the same length as the placeholder name. */
  name?: Buffer;
  setFlags?: number;
  clearFlags?: number;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;

/** Rewrites, in both the local and the central header, the entry currently named `placeholder`. */
export function patchEntry(zip: Buffer, placeholder: string, patch: EntryPatch): Buffer {
  const out = Buffer.from(zip);
  const wanted = Buffer.from(placeholder);
  if (patch.name && patch.name.length !== wanted.length) throw new Error('patchEntry: the new name must be as long as the placeholder');
  let patched = 0;
  for (let at = 0; at + 46 <= out.length; at++) {
    const signature = out.readUInt32LE(at);
    if (signature !== LOCAL_HEADER && signature !== CENTRAL_HEADER) continue;
    const local = signature === LOCAL_HEADER;
    const nameStart = at + (local ? 30 : 46);
    const nameLength = out.readUInt16LE(at + (local ? 26 : 28));
    if (!out.subarray(nameStart, nameStart + nameLength).equals(wanted)) continue;
    const flagAt = at + (local ? 6 : 8);
    out.writeUInt16LE((out.readUInt16LE(flagAt) | (patch.setFlags ?? 0)) & ~(patch.clearFlags ?? 0), flagAt);
    if (patch.name) patch.name.copy(out, nameStart);
    patched++;
  }
  if (patched !== 2) throw new Error(`patchEntry: expected 2 headers named ${placeholder}, found ${patched}`);
  return out;
}
