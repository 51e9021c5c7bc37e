import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { splitOf } from '../manifest.ts';
import { png, type ZipItem } from '../testing/fixtures.ts';
import { importZip, refusedProblems, summary } from '../testing/formats.ts';
import { parseTextLines } from './text-recognition.ts';

async function upload(label: string | Buffer, images = ['words/a.png', 'words/b.png']): Promise<ZipItem[]> {
  return [{ name: 'label.txt', data: label }, ...(await Promise.all(images.map(async (name) => ({ name, data: await png(12, 4) }))))];
}

describe('parseTextLines', () => {
  it('splits on the first comma only (ASCII or full-width); the text keeps the others', () => {
    const { lines, problems } = parseTextLines('\uFEFFa.png,Hello, world\r\n\r\n b.png ， 你好，世界,!  \r\nc.png,，\n');
    expect(problems).toEqual([]);
    expect(lines).toEqual([
      { line: 1, path: 'a.png', text: 'Hello, world' },
      { line: 3, path: 'b.png', text: '你好，世界,!' },
      { line: 4, path: 'c.png', text: '，' },
    ]);
  });

  it('refuses a line without a comma, or starting with one', () => {
    expect(summary(parseTextLines('a.png\n,text\n').problems)).toEqual([
      ['label.txt', 1, 'text_line_invalid', { found: 'a.png' }],
      ['label.txt', 2, 'text_line_invalid', { found: ',text' }],
    ]);
  });

  it('refuses an empty text', () => {
    expect(summary(parseTextLines('a.png,  \nb.png，\n').problems)).toEqual([
      ['label.txt', 1, 'text_empty', { image: 'a.png' }],
      ['label.txt', 2, 'text_empty', { image: 'b.png' }],
    ]);
  });
});

describe('importDataset: text_recognition', () => {
  it('imports images with their texts (a GBK label.txt with CRLF), split by the hash rule', async () => {
    const label = iconv.encode('words/a.png,出口, EXIT\r\nwords\\b.png，3,14\r\n', 'gbk');
    const { info, entries, report } = await importZip(await upload(label), 'text_recognition');
    expect(info).toMatchObject({ format: 'text_recognition', images: 2, classes: [], encoding: 'gb18030' });
    expect(report.warnings).toEqual([]);
    expect(entries).toEqual(
      [
        { path: 'images/words/a.png', width: 12, height: 4, text: '出口, EXIT' },
        { path: 'images/words/b.png', width: 12, height: 4, text: '3,14' },
      ].map((e) => ({ ...e, split: splitOf(e.path) })),
    );
  });

  it('takes images under test/ as the test split', async () => {
    const { entries } = await importZip(await upload('train/a.png,a\ntest/b.png,b\n', ['train/a.png', 'test/b.png']), 'text_recognition');
    expect(entries.map((e) => [e.path, e.split])).toEqual([
      ['images/test/b.png', 'test'],
      ['images/train/a.png', 'train'],
    ]);
  });

  it('refuses an image listed twice', async () => {
    const problems = await refusedProblems(await upload('words/a.png,a\nwords/b.png,b\nwords/a.png,again\n'), 'text_recognition');
    expect(summary(problems)).toEqual([['label.txt', 3, 'text_image_duplicate', { image: 'words/a.png', earlierLine: 1 }]]);
  });

  it('refuses a listed image that is not in the zip', async () => {
    const problems = await refusedProblems(await upload('words/a.png,a\nwords/b.png,b\nwords/c.png,c\n'), 'text_recognition');
    expect(summary(problems)).toEqual([['label.txt', 3, 'label_image_missing', { image: 'words/c.png' }]]);
  });

  it('refuses an image that label.txt does not list (as detection does)', async () => {
    const problems = await refusedProblems(await upload('words/a.png,a\n'), 'text_recognition');
    expect(summary(problems)).toEqual([['words/b.png', undefined, 'text_image_not_listed', undefined]]);
  });

  it('refuses an empty text, with its line', async () => {
    const problems = await refusedProblems(await upload('words/a.png,a\nwords/b.png, \n'), 'text_recognition');
    expect(summary(problems)).toContainEqual(['label.txt', 2, 'text_empty', { image: 'words/b.png' }]);
  });

  it('refuses an upload without label.txt', async () => {
    const problems = await refusedProblems([{ name: 'a.png', data: await png(4, 4) }], 'text_recognition');
    expect(summary(problems)).toEqual([['', undefined, 'text_label_file_missing', undefined]]);
  });

  it('refuses an empty label.txt', async () => {
    const problems = await refusedProblems(await upload('\r\n\r\n'), 'text_recognition');
    expect(summary(problems)).toContainEqual(['label.txt', undefined, 'label_empty', undefined]);
  });
});
