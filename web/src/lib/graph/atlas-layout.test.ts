import { describe, expect, it } from 'vitest';
import {
  createAtlasSimulation,
  fitTransform,
  hashString,
  layoutBounds,
  linkDistance,
  linkStrength,
  nodeRadius,
  seedPosition,
} from './atlas-layout.ts';

const dist = (a: { x?: number; y?: number }, b: { x?: number; y?: number }) => Math.hypot((a.x ?? 0) - (b.x ?? 0), (a.y ?? 0) - (b.y ?? 0));

describe('link and node sizes', () => {
  it('makes links as long as the models are far apart, and stiffer the closer they are', () => {
    expect(linkDistance(0)).toBe(40);
    expect(linkDistance(0.5)).toBe(190);
    expect(linkDistance(1)).toBe(340);
    // Out-of-range or broken distances are read as "unrelated", never as a negative length.
    expect(linkDistance(7)).toBe(340);
    expect(linkDistance(-1)).toBe(40);
    expect(linkDistance(Number.NaN)).toBe(340);
    expect(linkStrength(0.1)).toBeGreaterThan(linkStrength(0.6));
    expect(linkStrength(1)).toBeCloseTo(0.1);
    expect(linkStrength(0)).toBeCloseTo(1);
  });

  it('grows the area of a node with its parameters, the largest model getting the largest circle', () => {
    expect(nodeRadius(1_000_000, 1_000_000)).toBe(22);
    expect(nodeRadius(250_000, 1_000_000)).toBe(6 + 16 * 0.5);
    expect(nodeRadius(null, 1_000_000)).toBe(6);
    expect(nodeRadius(0, 1_000_000)).toBe(6);
    expect(nodeRadius(10, 0)).toBe(6);
  });
});

describe('deterministic seeds', () => {
  it('hashes and seeds positions from the id alone, inside the disc', () => {
    expect(hashString('model-a')).toBe(hashString('model-a'));
    expect(hashString('model-a')).not.toBe(hashString('model-b'));
    const seeded = seedPosition('model-a', 100);
    expect(seedPosition('model-a', 100)).toEqual(seeded);
    expect(Math.hypot(seeded.x, seeded.y)).toBeLessThanOrEqual(100);
  });
});

describe('createAtlasSimulation', () => {
  const input = {
    nodes: [
      { id: 'a', radius: 10 },
      { id: 'b', radius: 10 },
      { id: 'c', radius: 10 },
      { id: 'lonely', radius: 6 },
    ],
    links: [
      { source: 'a', target: 'b', distance: 0.05 },
      { source: 'a', target: 'c', distance: 0.9 },
      { source: 'b', target: 'c', distance: 0.85 },
      { source: 'a', target: 'gone', distance: 0.1 },
    ],
  };

  it('runs to rest before returning: close models end close, far ones far, and the same input gives the same picture', () => {
    const first = createAtlasSimulation(input);
    const byId = new Map(first.nodes.map((node) => [node.id, node]));
    expect(first.simulation.alpha()).toBeLessThan(first.simulation.alphaMin());
    // A link to a model that is not in the atlas is dropped rather than failing.
    expect(first.links).toHaveLength(3);
    expect(dist(byId.get('a')!, byId.get('b')!)).toBeLessThan(dist(byId.get('a')!, byId.get('c')!) / 2);
    for (const node of first.nodes) expect(Number.isFinite(node.x) && Number.isFinite(node.y)).toBe(true);

    // Given in another order, the layout is the same (nodes are sorted by id, the jiggle is seeded).
    const second = createAtlasSimulation({ nodes: [...input.nodes].reverse(), links: [...input.links].reverse() });
    expect(second.nodes.map((n) => [n.id, n.x, n.y])).toEqual(first.nodes.map((n) => [n.id, n.x, n.y]));
  });

  it('keeps identical start positions apart (collision) and lays out one model or none', () => {
    const one = createAtlasSimulation({ nodes: [{ id: 'only', radius: 8 }], links: [] });
    expect(one.nodes).toHaveLength(1);
    expect(createAtlasSimulation({ nodes: [], links: [] }).nodes).toEqual([]);
    const twins = createAtlasSimulation({ nodes: [{ id: 'x', radius: 10 }, { id: 'y', radius: 10 }], links: [{ source: 'x', target: 'y', distance: 0 }] });
    expect(dist(twins.nodes[0]!, twins.nodes[1]!)).toBeGreaterThanOrEqual(20);
  });
});

describe('layoutBounds and fitTransform', () => {
  it('spans every circle and centres it in the view, never magnifying past the maximum', () => {
    const bounds = layoutBounds([
      { x: 0, y: 0, radius: 10 },
      { x: 100, y: 50, radius: 5 },
    ]);
    expect(bounds).toEqual({ minX: -10, minY: -10, maxX: 105, maxY: 55 });
    expect(layoutBounds([])).toBeNull();
    const fit = fitTransform({ minX: 0, minY: 0, maxX: 200, maxY: 100 }, 440, 240, 20);
    expect(fit.k).toBe(1.5);
    expect(fit.x + fit.k * 100).toBeCloseTo(220);
    expect(fit.y + fit.k * 50).toBeCloseTo(120);
    const tight = fitTransform({ minX: -500, minY: -100, maxX: 500, maxY: 100 }, 540, 400, 20);
    expect(tight.k).toBeCloseTo(0.5);
    expect(fitTransform(null, 400, 200)).toEqual({ k: 1, x: 200, y: 100 });
  });
});
