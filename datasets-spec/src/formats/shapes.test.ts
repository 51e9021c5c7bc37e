import { describe, expect, it } from 'vitest';
import type { ImageInfo } from '../images.ts';
import type { Problem } from '../problems.ts';
import { png, type ZipItem } from '../testing/fixtures.ts';
import { importZip, refusedProblems, summary } from '../testing/formats.ts';
import type { Report } from './records.ts';
import { checkPolygon, parsePolygon, selfIntersects, type LabelPolygon } from './shapes.ts';

const image: ImageInfo = { width: 20, height: 10, fileWidth: 20, fileHeight: 10, format: 'png', orientation: 1 };

function collect(): { problems: Problem[]; report: Report } {
  const problems: Problem[] = [];
  return { problems, report: (line, code, message, params) => problems.push({ file: 'label.txt', line, code, ...(params ? { params } : {}), message }) };
}

function check(points: [number, number][]): { ok: boolean; polygon: LabelPolygon; problems: Problem[]; warnings: Problem[] } {
  const p = collect();
  const w = collect();
  const polygon = { line: 3, points, label: 'x' };
  const ok = checkPolygon(polygon, image, p.report, w.report);
  return { ok, polygon, problems: p.problems, warnings: w.problems };
}

describe('parsePolygon', () => {
  it('reads points in parentheses, full-width commas and spaces included, and the label after them (commas allowed)', () => {
    const { problems, report } = collect();
    expect(parsePolygon('(1,2), (3.5 ，4),(5,6)，Hello, (world)', 7, report)).toEqual({
      line: 7,
      points: [
        [1, 2],
        [3.5, 4],
        [5, 6],
      ],
      label: 'Hello, (world)',
    });
    expect(problems).toEqual([]);
  });

  it('refuses a point that is not two numbers', () => {
    const { problems, report } = collect();
    expect(parsePolygon('(1,2),(3,x),(5,6,7),car', 2, report)).toBeNull();
    expect(summary(problems)).toEqual([
      ['label.txt', 2, 'label_polygon_point_invalid', { found: '(3,x)' }],
      ['label.txt', 2, 'label_polygon_point_invalid', { found: '(5,6,7)' }],
    ]);
  });

  it('refuses a polygon without label', () => {
    for (const line of ['(1,2),(3,4),(5,6)', '(1,2),(3,4),(5,6), ']) {
      const { problems, report } = collect();
      expect(parsePolygon(line, 1, report)).toBeNull();
      expect(summary(problems)).toEqual([['label.txt', 1, 'label_polygon_no_label', undefined]]);
    }
  });

  it('refuses points not separated by commas', () => {
    const { problems, report } = collect();
    expect(parsePolygon('(1,2)(3,4),(5,6),a', 1, report)).toBeNull();
    expect(summary(problems)).toEqual([['label.txt', 1, 'label_polygon_fields', { found: '(1,2)(3,4),(5,6),a' }]]);
  });
});

describe('checkPolygon', () => {
  it('accepts a clockwise polygon inside the image (edges on the border included)', () => {
    expect(check([[0, 0], [20, 0], [20, 10], [0, 10]])).toMatchObject({ ok: true, problems: [], warnings: [] });
  });

  it('reverses a counter-clockwise polygon, keeping its first point, with a warning', () => {
    const { ok, polygon, warnings } = check([[0, 0], [0, 10], [20, 10], [20, 0]]);
    expect(ok).toBe(true);
    expect(polygon.points).toEqual([[0, 0], [20, 0], [20, 10], [0, 10]]);
    expect(summary(warnings)).toEqual([['label.txt', 3, 'label_polygon_reversed', undefined]]);
  });

  it('drops a first point repeated at the end, with a warning', () => {
    const { ok, polygon, warnings } = check([[0, 0], [5, 0], [5, 5], [0, 0]]);
    expect(ok).toBe(true);
    expect(polygon.points).toEqual([[0, 0], [5, 0], [5, 5]]);
    expect(summary(warnings)).toEqual([['label.txt', 3, 'label_polygon_closed', undefined]]);
  });

  it('refuses fewer than 3 different points (repeated points count once)', () => {
    expect(summary(check([[0, 0], [5, 0], [5, 0]]).problems)).toEqual([['label.txt', 3, 'label_polygon_too_few_points', { count: 2 }]]);
  });

  it('refuses a point outside the image', () => {
    expect(summary(check([[0, 0], [21, 0], [5, 5]]).problems)).toEqual([['label.txt', 3, 'label_polygon_outside', { point: '21,0', width: 20, height: 10 }]]);
    expect(check([[0, -0.5], [5, 0], [5, 5]]).problems[0]?.code).toBe('label_polygon_outside');
  });

  it('refuses a polygon without area', () => {
    expect(summary(check([[0, 0], [5, 5], [10, 10]]).problems)).toEqual([['label.txt', 3, 'label_polygon_degenerate', undefined]]);
  });

  it('refuses a polygon whose edges cross', () => {
    // A bow tie.
    expect(summary(check([[0, 0], [10, 10], [10, 0], [0, 6]]).problems)).toEqual([['label.txt', 3, 'label_polygon_self_intersecting', undefined]]);
    expect(selfIntersects([[0, 0], [10, 0], [10, 10], [0, 10]])).toBe(false);
  });
});

/** An upload of two 20x10 images with this label.txt. */
async function upload(lines: string[]): Promise<ZipItem[]> {
  return [
    { name: 'data/label.txt', data: lines.join('\r\n') },
    { name: 'data/a.png', data: await png(20, 10) },
    { name: 'data/b.png', data: await png(20, 10) },
  ];
}

describe('importDataset: text_detection', () => {
  it('imports rectangles and polygons, labels being the texts', async () => {
    const { info, entries, report } = await importZip(
      await upload(['a.png,20,10', '3', '1,1,10,5,EXIT, this way', '(0,0),(20,0),(20,10),出口', '(1,1),(1,9),(9,9),ccw', 'b.png,20,10', '0']),
      'text_detection',
    );
    expect(info).toMatchObject({ format: 'text_detection', images: 2, classes: [], classCounts: {} });
    expect(entries.map(({ path, boxes, polygons }) => ({ path, boxes, polygons }))).toEqual([
      {
        path: 'images/a.png',
        boxes: [{ x1: 1, y1: 1, x2: 10, y2: 5, label: 'EXIT, this way' }],
        polygons: [
          { points: [[0, 0], [20, 0], [20, 10]], label: '出口' },
          { points: [[1, 1], [9, 9], [1, 9]], label: 'ccw' },
        ],
      },
      { path: 'images/b.png', boxes: [], polygons: [] },
    ]);
    // Problems and warnings name files as in the zip (its top folder was stripped).
    expect(summary(report.warnings)).toEqual([['data/label.txt', 5, 'label_polygon_reversed', undefined]]);
  });

  it('reads a polygon whose text ends in numbers as an object line, not as an image line', async () => {
    const { entries } = await importZip(await upload(['a.png,20,10', '1', '(0,0),(20,0),(20,10),2023,10', 'b.png,20,10', '0']), 'text_detection');
    expect(entries[0]?.polygons).toEqual([{ points: [[0, 0], [20, 0], [20, 10]], label: '2023,10' }]);
  });

  it('refuses a rectangle outside the image and a bad count, with their lines', async () => {
    const problems = await refusedProblems(await upload(['a.png,20,10', '1', '1,1,30,5,far', 'b.png,20,10', '2', '(0,0),(5,0),(5,5),t']), 'text_detection');
    expect(summary(problems)).toEqual([
      ['data/label.txt', 5, 'label_count_mismatch', { image: 'b.png', declared: 2, found: 1 }],
      ['data/label.txt', 3, 'label_box_outside', { box: '1,1,30,5', width: 20, height: 10 }],
    ]);
  });

  it('refuses an object line that is neither a rectangle nor a polygon', async () => {
    const problems = await refusedProblems(await upload(['a.png,20,10', '1', '1,1,hello', 'b.png,20,10', '0']), 'text_detection');
    expect(summary(problems)).toEqual([['data/label.txt', 3, 'label_shape_fields', { found: '1,1,hello' }]]);
  });

  it('refuses an upload without any text region', async () => {
    const problems = await refusedProblems(await upload(['a.png,20,10', '0', 'b.png,20,10', '0']), 'text_detection');
    expect(summary(problems)).toEqual([['data/label.txt', undefined, 'label_no_text_regions', undefined]]);
  });

  it('refuses an upload without label.txt', async () => {
    const problems = await refusedProblems([{ name: 'a.png', data: await png(4, 4) }], 'text_detection');
    expect(summary(problems)).toEqual([['', undefined, 'shapes_label_file_missing', undefined]]);
  });
});

describe('importDataset: segmentation', () => {
  it('imports polygons, counting them per class', async () => {
    const { info, entries } = await importZip(await upload(['a.png,20,10', '2', '(0,0),(20,0),(20,10),road', '(1,1),(3,1),(3,3),car', 'b.png,20,10', '1', '(0,0),(5,0),(0,5),car']), 'segmentation');
    expect(info).toMatchObject({ format: 'segmentation', classes: ['car', 'road'], classCounts: { car: 2, road: 1 } });
    expect(entries[0]).toMatchObject({ path: 'images/a.png', polygons: [{ label: 'road' }, { label: 'car' }] });
    expect(entries[0]).not.toHaveProperty('boxes');
  });

  it('refuses a rectangle, saying to list the corners', async () => {
    const problems = await refusedProblems(await upload(['a.png,20,10', '1', '0,0,5,5,car', 'b.png,20,10', '1', '(0,0),(5,0),(0,5),car']), 'segmentation');
    expect(summary(problems)).toEqual([['data/label.txt', 3, 'label_rectangle_not_allowed', undefined]]);
  });

  it('refuses an object line that is not a polygon', async () => {
    const problems = await refusedProblems(await upload(['a.png,20,10', '1', 'car', 'b.png,20,10', '1', '(0,0),(5,0),(0,5),car']), 'segmentation');
    expect(summary(problems)).toEqual([['data/label.txt', 3, 'label_polygon_fields', { found: 'car' }]]);
  });

  it('refuses a polygon outside the image and a declared size that is wrong', async () => {
    const problems = await refusedProblems(await upload(['a.png,20,11', '1', '(0,0),(5,0),(0,5),car', 'b.png,20,10', '1', '(0,0),(25,0),(0,5),car']), 'segmentation');
    expect(summary(problems)).toEqual([
      ['data/label.txt', 1, 'label_size_mismatch', { image: 'a.png', declaredWidth: 20, declaredHeight: 11, width: 20, height: 10 }],
      ['data/label.txt', 6, 'label_polygon_outside', { point: '25,0', width: 20, height: 10 }],
    ]);
  });

  it('refuses an upload without any polygon', async () => {
    const problems = await refusedProblems(await upload(['a.png,20,10', '0', 'b.png,20,10', '0']), 'segmentation');
    expect(summary(problems)).toEqual([['data/label.txt', undefined, 'label_no_polygons', undefined]]);
  });

  it('refuses an image not listed and an image listed twice, as detection does', async () => {
    const problems = await refusedProblems(await upload(['a.png,20,10', '1', '(0,0),(5,0),(0,5),car', 'a.png,20,10', '0']), 'segmentation');
    expect(summary(problems)).toEqual([
      ['data/label.txt', 4, 'label_image_duplicate', { image: 'a.png', earlierLine: 1 }],
      ['data/b.png', undefined, 'image_not_listed', undefined],
    ]);
  });
});
