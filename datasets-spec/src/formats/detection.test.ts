import { describe, expect, it } from 'vitest';
import { findLabelFile, parseLabelText } from './detection.ts';

describe('parseLabelText', () => {
  it('tolerates full-width commas, CRLF, a BOM, spaces, blank lines and commas in labels', () => {
    const text = '\uFEFFimages/a.JPG，64，48\r\n2\r\n13，13，28，29，cat\r\n 1 , 2.5 , 30 , 40 , text, with commas \r\n\r\nb.png,10,10\r\n0\r\n\r\n\r\n';
    const { records, problems } = parseLabelText(text);
    expect(problems).toEqual([]);
    expect(records).toEqual([
      {
        line: 1,
        path: 'images/a.JPG',
        width: 64,
        height: 48,
        valid: true,
        boxes: [
          { line: 3, x1: 13, y1: 13, x2: 28, y2: 29, label: 'cat' },
          { line: 4, x1: 1, y1: 2.5, x2: 30, y2: 40, label: 'text, with commas' },
        ],
      },
      { line: 6, path: 'b.png', width: 10, height: 10, valid: true, boxes: [] },
    ]);
  });

  it('keeps paths that contain commas', () => {
    expect(parseLabelText('my,photo.png,8,6\n0\n').records[0]).toMatchObject({ path: 'my,photo.png', width: 8, height: 6 });
  });

  it('reports a count larger than the object lines, at the count line, and carries on', () => {
    const { records, problems } = parseLabelText('a.png,10,10\n3\n1,1,5,5,x\n2,2,6,6,y\nb.png,10,10\n1\n1,1,2,2,z\n');
    expect(problems).toEqual([
      {
        file: 'label.txt',
        line: 2,
        code: 'label_count_mismatch',
        params: { image: 'a.png', declared: 3, found: 2 },
        message: expect.stringMatching(/given as 3, but 2 object lines follow/),
      },
    ]);
    expect(records.map((r) => [r.path, r.valid])).toEqual([
      ['a.png', false],
      ['b.png', true],
    ]);
  });

  it('reports a count smaller than the object lines', () => {
    const { problems } = parseLabelText('a.png,10,10\n1\n1,1,5,5,x\n2,2,6,6,y\nb.png,10,10\n0\n');
    expect(problems).toEqual([
      {
        file: 'label.txt',
        line: 2,
        code: 'label_count_mismatch',
        params: { image: 'a.png', declared: 1, found: 2 },
        message: expect.stringMatching(/given as 1, but 2 object lines follow/),
      },
    ]);
  });

  it('reports unparsable numbers, missing labels and missing counts with their lines', () => {
    const text = ['a.png,10,10', '2', '1,x,5,5,cat', '1,1,5,5', 'b.png,10,10', 'two', 'c.png,10,10', '1', '1,1,5,5,', 'what is this'].join('\n');
    const { problems } = parseLabelText(text, 'data/label.txt');
    expect(problems.map((p) => [p.file, p.line, p.message])).toEqual([
      ['data/label.txt', 3, 'ymin "x" is not a number.'],
      ['data/label.txt', 4, expect.stringMatching(/Expected an object line .* found "1,1,5,5"/)],
      ['data/label.txt', 6, expect.stringMatching(/Expected the number of objects in b.png .* found "two"/)],
      ['data/label.txt', 9, 'The object has no label after its four coordinates.'],
      ['data/label.txt', 10, expect.stringMatching(/Expected an image line "path,width,height" but found "what is this"/)],
    ]);
    expect(problems.map((p) => [p.code, p.params])).toEqual([
      ['label_coordinate_not_number', { name: 'ymin', value: 'x' }],
      ['label_object_fields', { found: '1,1,5,5' }],
      ['label_count_invalid', { image: 'b.png', found: 'two' }],
      ['label_object_no_label', undefined],
      ['label_image_line_expected', { found: 'what is this' }],
    ]);
  });

  it('reports a record cut off at the end of the file', () => {
    expect(parseLabelText('a.png,10,10\n').problems).toEqual([
      { file: 'label.txt', line: 1, code: 'label_count_missing', params: { image: 'a.png' }, message: expect.stringMatching(/found the end of the file/) },
    ]);
  });
});

describe('findLabelFile', () => {
  it('prefers label.txt at the root, any case, else the only one', () => {
    expect(findLabelFile(['x/label.txt', 'LABEL.TXT'])).toEqual({ file: 'LABEL.TXT' });
    expect(findLabelFile(['x/label.txt', 'x/1.png'])).toEqual({ file: 'x/label.txt' });
    expect(findLabelFile(['x/label.txt', 'y/label.txt']).problem).toEqual({
      code: 'label_file_multiple',
      params: { files: 'x/label.txt, y/label.txt' },
      message: expect.stringMatching(/Several label.txt/),
    });
    expect(findLabelFile(['1.png']).problem).toMatchObject({ code: 'label_file_missing', message: expect.stringMatching(/No label.txt/) });
  });
});
