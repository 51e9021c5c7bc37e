/**
 * The model atlas's geometry: a force layout (d3-force) where two models' link is as long as they
 * are far apart (transferability distance, 0 identical … 1 unrelated) and pulls the harder the
 * closer they are. Start positions come from the ids, the random source is seeded and the layout
 * is run to rest before anything is drawn, so the same atlas always looks the same (screenshots
 * stay stable); only dragging a node wakes the simulation again, and it stops by itself once cool.
 */
import { forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY, type Simulation, type SimulationLinkDatum, type SimulationNodeDatum } from 'd3-force';

export interface AtlasLayoutNode extends SimulationNodeDatum {
  id: string;
  /** Drawn radius, in layout units (see nodeRadius). */
  radius: number;
}

export interface AtlasLayoutLink extends SimulationLinkDatum<AtlasLayoutNode> {
  source: string | AtlasLayoutNode;
  target: string | AtlasLayoutNode;
  distance: number;
}

/** Link length in layout units: a floor so neighbours never overlap, then proportional to the distance. */
export function linkDistance(distance: number): number {
  return 40 + 300 * clamp01(distance);
}

/** Link stiffness: close models hold together firmly, far ones only loosely (d3's strengths are 0..1). */
export function linkStrength(distance: number): number {
  return 0.1 + 0.9 * (1 - clamp01(distance));
}

/**
 * Node radius from the parameter count: the area grows with the parameters (radius with their
 * square root), scaled so the largest model of the atlas gets `max`; unknown counts get `min`.
 */
export function nodeRadius(parameters: number | null | undefined, largest: number, min = 6, max = 22): number {
  if (typeof parameters !== 'number' || !(parameters > 0) || !(largest > 0)) return min;
  return min + (max - min) * Math.sqrt(Math.min(parameters, largest) / largest);
}

/** A 32-bit FNV-1a hash of a string: the same id always seeds the same position. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A start position for `id` on a disc of `spread` around the origin, from the id alone. */
export function seedPosition(id: string, spread = 200): { x: number; y: number } {
  const hash = hashString(id);
  const angle = ((hash & 0xffff) / 0x10000) * 2 * Math.PI;
  const radius = spread * Math.sqrt(((hash >>> 16) + 1) / 0x10001);
  return { x: radius * Math.cos(angle), y: radius * Math.sin(angle) };
}

export interface LayoutInput {
  nodes: readonly { id: string; radius: number }[];
  links: readonly { source: string; target: string; distance: number }[];
}

/** How many ticks d3 runs before alpha falls under alphaMin (its own default schedule: about 300). */
export function ticksToRest(simulation: Simulation<AtlasLayoutNode, AtlasLayoutLink>): number {
  return Math.ceil(Math.log(simulation.alphaMin()) / Math.log(1 - simulation.alphaDecay()));
}

/**
 * A stopped simulation of the atlas, already run to rest: its nodes carry their final x and y.
 * Links naming a node not in `nodes` are left out. Restarting it (after a drag) moves the nodes
 * further; the caller listens to its "tick" events then.
 */
export function createAtlasSimulation(input: LayoutInput): { simulation: Simulation<AtlasLayoutNode, AtlasLayoutLink>; nodes: AtlasLayoutNode[]; links: AtlasLayoutLink[] } {
  const spread = 60 + 30 * Math.sqrt(input.nodes.length);
  const nodes: AtlasLayoutNode[] = [...input.nodes]
    .sort((a, b) => compareIds(a.id, b.id))
    .map((node) => ({ id: node.id, radius: node.radius, ...seedPosition(node.id, spread) }));
  const known = new Set(nodes.map((node) => node.id));
  const links: AtlasLayoutLink[] = input.links
    .filter((link) => link.source !== link.target && known.has(link.source) && known.has(link.target))
    .map((link) => ({ source: link.source, target: link.target, distance: link.distance }))
    // Forces are applied link by link: a fixed order keeps the result independent of the answer's order.
    .sort((a, b) => compareIds(`${a.source}\u0000${a.target}`, `${b.source}\u0000${b.target}`));
  // d3-force's own random source (its jiggle of coincident nodes) is a fixed-seed generator per simulation.
  const simulation = forceSimulation<AtlasLayoutNode, AtlasLayoutLink>(nodes)
    .force(
      'link',
      forceLink<AtlasLayoutNode, AtlasLayoutLink>(links)
        .id((node) => node.id)
        .distance((link) => linkDistance(link.distance))
        .strength((link) => linkStrength(link.distance)),
    )
    .force('charge', forceManyBody<AtlasLayoutNode>().strength(-160).distanceMax(600))
    .force('collide', forceCollide<AtlasLayoutNode>((node) => node.radius + 6))
    // A weak pull to the middle keeps models without links (and separate groups) on the page.
    .force('x', forceX<AtlasLayoutNode>(0).strength(0.04))
    .force('y', forceY<AtlasLayoutNode>(0).strength(0.04))
    .stop();
  simulation.tick(ticksToRest(simulation));
  return { simulation, nodes, links };
}

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** The box around every node's circle; null for no nodes. */
export function layoutBounds(nodes: readonly { x?: number; y?: number; radius: number }[]): Bounds | null {
  if (nodes.length === 0) return null;
  const bounds = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const node of nodes) {
    const x = node.x ?? 0;
    const y = node.y ?? 0;
    bounds.minX = Math.min(bounds.minX, x - node.radius);
    bounds.minY = Math.min(bounds.minY, y - node.radius);
    bounds.maxX = Math.max(bounds.maxX, x + node.radius);
    bounds.maxY = Math.max(bounds.maxY, y + node.radius);
  }
  return bounds;
}

/**
 * The zoom (scale k, then translation x, y) that shows `bounds` centred in a `width` × `height`
 * view with `padding` around it, never magnifying past `maxScale` (a two-model atlas stays small).
 */
export function fitTransform(bounds: Bounds | null, width: number, height: number, padding = 40, maxScale = 1.5): { k: number; x: number; y: number } {
  if (!bounds) return { k: 1, x: width / 2, y: height / 2 };
  const spanX = Math.max(bounds.maxX - bounds.minX, 1);
  const spanY = Math.max(bounds.maxY - bounds.minY, 1);
  const k = Math.min(maxScale, (width - 2 * padding) / spanX, (height - 2 * padding) / spanY);
  const centreX = (bounds.minX + bounds.maxX) / 2;
  const centreY = (bounds.minY + bounds.maxY) / 2;
  return { k, x: width / 2 - k * centreX, y: height / 2 - k * centreY };
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 1;
}
