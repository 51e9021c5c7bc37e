/**
 * The geometry of a flowchart thumbnail: the boxes where the editor put them, scaled to fit a
 * small picture with the same proportions, and each connection as a line from the source box's
 * right side to the target box's left side (where the editor's handles are).
 */

export interface MiniNode {
  id: string;
  position: { x: number; y: number };
}

export interface MiniEdge {
  source: string;
  target: string;
}

export interface LayoutOptions {
  /** The picture's size in pixels. */
  width: number;
  height: number;
  /** Empty margin kept inside the picture, in pixels. */
  padding?: number;
  /** A box's size on the editor's canvas (positions are its top-left corner). */
  nodeWidth?: number;
  nodeHeight?: number;
  /** Largest zoom: a flowchart of one box stays a box, not a banner. */
  maxScale?: number;
}

export interface PlacedNode {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  source: string;
  target: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface MiniLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  scale: number;
}

/** About the size of an editor box (FlowNode: 150–200 px wide, two or three lines tall). */
export const CANVAS_NODE = { width: 170, height: 70 } as const;

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** The smallest rectangle around every box (each `nodeWidth` × `nodeHeight` from its position). */
export function boundingBox(nodes: readonly MiniNode[], nodeWidth: number, nodeHeight: number): Bounds | null {
  if (nodes.length === 0) return null;
  const xs = nodes.map((n) => n.position.x);
  const ys = nodes.map((n) => n.position.y);
  return {
    minX: Math.min(...xs),
    minY: Math.min(...ys),
    maxX: Math.max(...xs) + nodeWidth,
    maxY: Math.max(...ys) + nodeHeight,
  };
}

/** The zoom that fits `bounds` into `width` × `height` (never above `maxScale`). */
export function fitScale(bounds: Bounds, width: number, height: number, maxScale: number): number {
  const spanX = bounds.maxX - bounds.minX;
  const spanY = bounds.maxY - bounds.minY;
  const scale = Math.min(width / spanX, height / spanY, maxScale);
  return Number.isFinite(scale) && scale > 0 ? scale : maxScale;
}

export function layoutMiniGraph(nodes: readonly MiniNode[], edges: readonly MiniEdge[], options: LayoutOptions): MiniLayout {
  const { width, height, padding = 4, nodeWidth = CANVAS_NODE.width, nodeHeight = CANVAS_NODE.height, maxScale = 0.4 } = options;
  const bounds = boundingBox(nodes, nodeWidth, nodeHeight);
  if (!bounds) return { nodes: [], edges: [], scale: maxScale };
  const innerWidth = Math.max(width - 2 * padding, 1);
  const innerHeight = Math.max(height - 2 * padding, 1);
  const scale = fitScale(bounds, innerWidth, innerHeight, maxScale);
  // Centred: a flowchart narrower (or flatter) than the picture sits in its middle.
  const offsetX = padding + (innerWidth - (bounds.maxX - bounds.minX) * scale) / 2;
  const offsetY = padding + (innerHeight - (bounds.maxY - bounds.minY) * scale) / 2;

  const placed = nodes.map((n) => ({
    id: n.id,
    x: offsetX + (n.position.x - bounds.minX) * scale,
    y: offsetY + (n.position.y - bounds.minY) * scale,
    width: nodeWidth * scale,
    height: nodeHeight * scale,
  }));
  const byId = new Map(placed.map((n) => [n.id, n]));
  const placedEdges: PlacedEdge[] = [];
  for (const edge of edges) {
    const from = byId.get(edge.source);
    const to = byId.get(edge.target);
    if (!from || !to) continue;
    placedEdges.push({
      source: edge.source,
      target: edge.target,
      x1: from.x + from.width,
      y1: from.y + from.height / 2,
      x2: to.x,
      y2: to.y + to.height / 2,
    });
  }
  return { nodes: placed, edges: placedEdges, scale };
}
