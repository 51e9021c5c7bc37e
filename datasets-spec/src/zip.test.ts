import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './problems.ts';
import { patchEntry, tempDir, writeZip, zipBuffer } from './testing/fixtures.ts';
import { checkEntryName, extractZip } from './zip.ts';

async function refusal(promise: Promise<unknown>): Promise<DatasetError> {
  const error = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

async function absent(p: string): Promise<boolean> {
  return stat(p).then(
    () => false,
    () => true,
  );
}

describe('checkEntryName', () => {
  it.each([
    ['../evil.txt', '..', 'zip_slip'],
    ['a/../../evil.txt', '..', 'zip_slip'],
    ['..\\..\\evil.txt', '..', 'zip_slip'],
    ['/etc/passwd', 'absolute', 'entry_path_absolute'],
    ['\\\\server\\share\\x', 'absolute', 'entry_path_absolute'],
    ['C:\\Windows\\x.dll', 'drive letter', 'entry_path_drive_letter'],
    ['c:evil', 'drive letter', 'entry_path_drive_letter'],
    [`cat/${'x'.repeat(237)}.png`, 'too long', 'entry_name_too_long'],
    [`${'猫'.repeat(81)}/1.png`, 'too long', 'entry_name_too_long'],
    [`${'deep/'.repeat(205)}1.png`, 'too long', 'entry_name_too_long'],
  ])('refuses %s', (name, reason, code) => {
    const checked = checkEntryName(name);
    expect('refusal' in checked && checked.refusal).toContain(reason);
    expect('code' in checked && checked.code).toBe(code);
  });

  it('accepts relative names, with backslashes as separators', () => {
    expect(checkEntryName('data\\cat\\1.png')).toEqual({ segments: ['data', 'cat', '1.png'], isFolder: false });
    expect(checkEntryName('./cat//1.png')).toEqual({ segments: ['cat', '1.png'], isFolder: false });
    expect(checkEntryName('cat/')).toEqual({ segments: ['cat'], isFolder: true });
    expect(checkEntryName(`cat/${'x'.repeat(236)}.png`)).toEqual({ segments: ['cat', `${'x'.repeat(236)}.png`], isFolder: false });
  });
});

describe('extractZip', () => {
  it('extracts, strips the single top folder and skips system clutter', async () => {
    const dir = await tempDir();
    const zip = await writeZip(dir, [
      { name: 'set/cat/1.png', data: 'one' },
      { name: 'set/dog/', folder: true },
      { name: 'set/dog/2.png', data: 'two' },
      { name: 'set/.DS_Store', data: 'x' },
      { name: '__MACOSX/set/._1.png', data: 'x' },
      { name: 'set/cat/Thumbs.db', data: 'x' },
      { name: 'set/empty/', folder: true },
    ]);
    const out = path.join(dir, 'out');
    const result = await extractZip(zip, out);
    expect(result.topFolder).toBe('set');
    expect(result.files).toEqual(['cat/1.png', 'dog/2.png']);
    expect(result.folders).toEqual(['cat', 'dog', 'empty']);
    expect(result.ignored.sort()).toEqual(['__MACOSX/set/._1.png', 'set/.DS_Store', 'set/cat/Thumbs.db']);
    expect(await readFile(path.join(out, 'dog', '2.png'), 'utf8')).toBe('two');
    expect((await readdir(out)).sort()).toEqual(['cat', 'dog']);
  });

  it('keeps the top level when files sit in several folders', async () => {
    const dir = await tempDir();
    const zip = await writeZip(dir, [
      { name: 'cat/1.png', data: '1' },
      { name: 'dog/2.png', data: '2' },
    ]);
    const result = await extractZip(zip, path.join(dir, 'out'));
    expect(result.topFolder).toBeNull();
    expect(result.files).toEqual(['cat/1.png', 'dog/2.png']);
  });

  it('decodes GBK file names written without the UTF-8 flag', async () => {
    const dir = await tempDir();
    const gbkName = iconv.encode('猫咪/图片一.png', 'gbk');
    const placeholder = 'x'.repeat(gbkName.length);
    const bytes = patchEntry(await zipBuffer([{ name: placeholder, data: 'meow' }, { name: 'readme.txt', data: 'r' }]), placeholder, {
      name: gbkName,
      clearFlags: 0x800,
    });
    const zip = path.join(dir, 'gbk.zip');
    await writeFile(zip, bytes);
    const result = await extractZip(zip, path.join(dir, 'out'));
    expect(result.files).toContain('猫咪/图片一.png');
  });

  it('refuses climbing and absolute paths, naming every bad entry, and writes nothing', async () => {
    const dir = await tempDir();
    let bytes = await zipBuffer([
      { name: 'ok/1.png', data: 'fine' },
      { name: 'xx/evil.txt', data: 'evil' },
      { name: 'xxxxx', data: 'evil' },
      { name: 'yyyyyyyy', data: 'evil' },
    ]);
    bytes = patchEntry(bytes, 'xx/evil.txt', { name: Buffer.from('../evil.txt') });
    bytes = patchEntry(bytes, 'xxxxx', { name: Buffer.from('/evil') });
    bytes = patchEntry(bytes, 'yyyyyyyy', { name: Buffer.from('..\\..\\ev') });
    const zip = path.join(dir, 'slip.zip');
    await writeFile(zip, bytes);
    const out = path.join(dir, 'out');
    const error = await refusal(extractZip(zip, out));
    expect(error.problems.map((p) => p.file)).toEqual(['../evil.txt', '/evil', '..\\..\\ev']);
    expect(error.problems[0]!.message).toMatch(/outside the dataset folder/);
    expect(error.problems[1]!.message).toMatch(/absolute/);
    expect(error.problems.map((p) => p.code)).toEqual(['zip_slip', 'entry_path_absolute', 'zip_slip']);
    expect(await absent(out)).toBe(true);
    expect(await absent(path.join(dir, 'evil.txt'))).toBe(true);
  });

  it('refuses drive-letter paths', async () => {
    const dir = await tempDir();
    const zip = path.join(dir, 'drive.zip');
    await writeFile(zip, patchEntry(await zipBuffer([{ name: 'xx/evil.dll', data: 'x' }]), 'xx/evil.dll', { name: Buffer.from('C:\\evil.dll') }));
    const error = await refusal(extractZip(zip, path.join(dir, 'out')));
    expect(error.problems).toEqual([{ file: 'C:\\evil.dll', code: 'entry_path_drive_letter', message: expect.stringMatching(/drive letter/) }]);
  });

  it('refuses symbolic links', async () => {
    const dir = await tempDir();
    const zip = await writeZip(dir, [
      { name: 'cat/1.png', data: 'x' },
      { name: 'cat/link.png', data: '/etc/passwd', mode: 0o120777 },
    ]);
    const out = path.join(dir, 'out');
    const error = await refusal(extractZip(zip, out));
    expect(error.problems).toEqual([{ file: 'cat/link.png', code: 'entry_symlink', message: expect.stringMatching(/symbolic link/) }]);
    expect(await absent(out)).toBe(true);
  });

  it('refuses encrypted entries', async () => {
    const dir = await tempDir();
    const zip = path.join(dir, 'enc.zip');
    await writeFile(zip, patchEntry(await zipBuffer([{ name: 'secret.png', data: 'x' }]), 'secret.png', { setFlags: 0x1 }));
    const error = await refusal(extractZip(zip, path.join(dir, 'out')));
    expect(error.problems).toEqual([{ file: 'secret.png', code: 'entry_encrypted', message: expect.stringMatching(/password-protected/) }]);
  });

  it('refuses a zip bomb by the bytes actually inflated', async () => {
    const dir = await tempDir();
    // 8 MiB of zeros deflates to ~8 KiB: a ratio near 1000.
    const zip = await writeZip(dir, [{ name: 'bomb.png', data: Buffer.alloc(8 * 1024 * 1024) }]);
    const out = path.join(dir, 'out');
    const error = await refusal(extractZip(zip, out));
    expect(error.problems).toEqual([
      { file: 'bomb.png', code: 'zip_bomb', params: { ratio: 200, compressed: expect.stringMatching(/KiB$/) }, message: expect.stringMatching(/zip bomb/) },
    ]);
    expect(await absent(out)).toBe(true);
  });

  it('counts inflated bytes even when the header understates the size', async () => {
    const dir = await tempDir();
    const data = Buffer.alloc(4096, 7);
    const bytes = await zipBuffer([{ name: 'big.bin', data }]);
    const zip = path.join(dir, 'liar.zip');
    await writeFile(zip, bytes);
    // Per-entry limit below the real size: refused while streaming, not from the header.
    const perEntry = await refusal(extractZip(zip, path.join(dir, 'a'), { limits: { maxEntryBytes: 1000 } }));
    expect(perEntry.problems[0]).toMatchObject({ file: 'big.bin', code: 'entry_too_large', params: { limit: '1000 bytes' }, message: expect.stringMatching(/1000 bytes/) });
    const total = await refusal(
      extractZip(await writeZip(dir, [{ name: 'a.bin', data }, { name: 'b.bin', data }], 'two.zip'), path.join(dir, 'b'), { limits: { maxTotalBytes: 6000 } }),
    );
    expect(total.problems[0]!.message).toMatch(/unpacks to/);
    expect(total.problems[0]!.code).toBe('zip_too_large');
    // Sanity: the same data passes with default limits.
    expect(deflateRawSync(data).length).toBeLessThan(data.length);
    await extractZip(zip, path.join(dir, 'c'));
  });

  it('refuses too many entries', async () => {
    const dir = await tempDir();
    const zip = await writeZip(dir, [1, 2, 3, 4].map((n) => ({ name: `f${n}.txt`, data: `${n}` })));
    const error = await refusal(extractZip(zip, path.join(dir, 'out'), { limits: { maxEntries: 3 } }));
    expect(error.problems[0]).toMatchObject({ code: 'zip_too_many_entries', params: { count: 4, limit: 3 }, message: expect.stringMatching(/4 entries; at most 3/) });
  });

  it('refuses a file that is not a zip, a truncated zip and damaged data', async () => {
    const dir = await tempDir();
    const notZip = path.join(dir, 'not.zip');
    await writeFile(notZip, 'just some text, not an archive');
    expect((await refusal(extractZip(notZip, path.join(dir, 'o1')))).problems[0]).toMatchObject({ code: 'zip_unreadable', message: expect.stringMatching(/not a readable zip/) });

    const good = await zipBuffer([{ name: 'a.txt', data: 'hello hello hello hello hello' }]);
    const truncated = path.join(dir, 'trunc.zip');
    await writeFile(truncated, good.subarray(0, good.length - 30));
    expect((await refusal(extractZip(truncated, path.join(dir, 'o2')))).problems[0]!.message).toMatch(/damaged/);

    // Flip bytes inside the stored data: the checksum no longer matches.
    const stored = await zipBuffer([{ name: 'a.txt', data: 'hello hello hello', compress: false }]);
    const at = stored.indexOf('hello');
    stored.write('HELLO', at);
    const damagedZip = path.join(dir, 'damaged.zip');
    await writeFile(damagedZip, stored);
    const out = path.join(dir, 'o3');
    const error = await refusal(extractZip(damagedZip, out));
    expect(error.problems).toEqual([{ file: 'a.txt', code: 'entry_checksum_mismatch', message: expect.stringMatching(/checksum/) }]);
    expect(await absent(out)).toBe(true);
  });

  it('refuses an empty zip and one holding only folders', async () => {
    const dir = await tempDir();
    for (const items of [[], [{ name: 'cat/', folder: true }]]) {
      const error = await refusal(extractZip(await writeZip(dir, items), path.join(dir, 'out')));
      expect(error.problems).toEqual([{ file: '', code: 'zip_empty', message: expect.stringMatching(/holds no files/) }]);
    }
  });
});
