import { describe, expect, it } from 'vitest';
import { boundingBox, fitScale, layoutMiniGraph } from './mini-graph-layout.ts';

const at = (id: string, x: number, y: number) => ({ id, position: { x, y } });

describe('boundingBox and fitScale', () => {
  it('spans every box, each nodeWidth × nodeHeight from its top-left corner', () => {
    expect(boundingBox([at('a', 10, 20), at('b', -30, 100)], 100, 50)).toEqual({ minX: -30, minY: 20, maxX: 110, maxY: 150 });
    expect(boundingBox([], 100, 50)).toBeNull();
  });

  it('fits the tighter side, never zooming past the maximum', () => {
    expect(fitScale({ minX: 0, minY: 0, maxX: 400, maxY: 100 }, 200, 100, 1)).toBe(0.5);
    expect(fitScale({ minX: 0, minY: 0, maxX: 100, maxY: 400 }, 200, 100, 1)).toBe(0.25);
    expect(fitScale({ minX: 0, minY: 0, maxX: 10, maxY: 10 }, 200, 100, 0.4)).toBe(0.4);
  });
});

describe('layoutMiniGraph', () => {
  it('scales a row of boxes into the picture, centred, with lines from right side to left side', () => {
    const layout = layoutMiniGraph(
      [at('d', 0, 0), at('det', 200, 0), at('cls', 400, 0)],
      [
        { source: 'd', target: 'det' },
        { source: 'det', target: 'cls' },
      ],
      { width: 160, height: 60, padding: 5, nodeWidth: 100, nodeHeight: 50, maxScale: 1 },
    );
    // 500 × 50 on the canvas into 150 × 50: scale 0.3, 150 × 15, centred vertically.
    expect(layout.scale).toBeCloseTo(0.3);
    expect(layout.nodes[0]).toEqual({ id: 'd', x: 5, y: expect.closeTo(22.5), width: expect.closeTo(30), height: expect.closeTo(15) });
    expect(layout.nodes[2]!.x + layout.nodes[2]!.width).toBeCloseTo(155);
    expect(layout.edges[0]).toMatchObject({ source: 'd', target: 'det', x1: expect.closeTo(35), y1: expect.closeTo(30), x2: expect.closeTo(65), y2: expect.closeTo(30) });
    for (const node of layout.nodes) {
      expect(node.x).toBeGreaterThanOrEqual(5 - 1e-9);
      expect(node.y + node.height).toBeLessThanOrEqual(55 + 1e-9);
    }
  });

  it('keeps one box small and in the middle, and skips lines to missing boxes', () => {
    const layout = layoutMiniGraph([at('only', 500, 300)], [{ source: 'only', target: 'gone' }], {
      width: 100,
      height: 60,
      nodeWidth: 100,
      nodeHeight: 50,
      maxScale: 0.4,
    });
    expect(layout.nodes).toEqual([{ id: 'only', x: 30, y: 20, width: 40, height: 20 }]);
    expect(layout.edges).toEqual([]);
  });

  it('draws nothing for an empty flowchart', () => {
    expect(layoutMiniGraph([], [], { width: 100, height: 60 })).toMatchObject({ nodes: [], edges: [] });
  });
});
