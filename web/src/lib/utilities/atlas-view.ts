/**
 * The model atlas page's pure logic: what its URL asks for (view, metric, colouring, dataset), the
 * colours of tasks and datasets with their legend, the datasets the filter offers, the models not
 * on the map, and the list view's sort orders.
 */

export type AtlasView = 'graph' | 'list';
export type AtlasMetric = 'attribution' | 'depara';
export type AtlasColouring = 'task' | 'dataset';
export type AtlasSort = 'name' | 'parameters' | 'nearest';
export type Placement = 'placed' | 'pending' | 'unsupported' | 'failed';

export const ATLAS_VIEWS: readonly AtlasView[] = ['graph', 'list'];
export const ATLAS_METRICS: readonly AtlasMetric[] = ['attribution', 'depara'];
export const ATLAS_COLOURINGS: readonly AtlasColouring[] = ['task', 'dataset'];

/** What the atlas's logic reads of a node (the API's node has the whole model). */
export interface AtlasNodeLike {
  model: { id: string; name: string; task: string; parameters?: number | null };
  dataset: { id: string; name: string } | null;
  placement: Placement;
  reason: string | null;
  neighbours: readonly { id: string; distance: number }[];
}

/** One query parameter, when it is one of `offered`; else the page's default. */
export function pickParam<T extends string>(raw: string | null, offered: readonly T[], fallback: T): T {
  return offered.find((value) => value === raw) ?? fallback;
}

/** The path and query of `url` with `name` set to `value`, or removed when `value` is the default (or null). */
export function withParam(url: URL, name: string, value: string | null, fallback: string | null = null): string {
  const params = new URLSearchParams(url.search);
  if (value === null || value === fallback) params.delete(name);
  else params.set(name, value);
  const search = params.toString();
  return search === '' ? url.pathname : `${url.pathname}?${search}`;
}

/**
 * Ten colours that stay apart for most colour-blind readers (Okabe–Ito, then two more), assigned
 * to the sorted keys so that a task or dataset keeps its colour however the list is ordered.
 */
export const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000', '#7f3c8d', '#8c6d31'] as const;
/** The colour of "no dataset known" (an upload). */
export const NO_GROUP_COLOUR = '#9aa5b1';

export interface LegendEntry {
  /** The task name, dataset id, or '' for models without a dataset. */
  key: string;
  label: string;
  colour: string;
}

/** The key a node is coloured by: its task, or its dataset's id ('' when none). */
export function colourKey(node: AtlasNodeLike, by: AtlasColouring): string {
  return by === 'task' ? node.model.task : (node.dataset?.id ?? '');
}

/**
 * The legend of the nodes' colours, in label order; models without a dataset come last, grey.
 * `label` names a task (datasets are named by the node); `none` names the missing dataset.
 */
export function atlasLegend(nodes: readonly AtlasNodeLike[], by: AtlasColouring, label: (task: string) => string, none: string): LegendEntry[] {
  const names = new Map<string, string>();
  for (const node of nodes) {
    const key = colourKey(node, by);
    if (!names.has(key)) names.set(key, by === 'task' ? label(key) : (node.dataset?.name ?? none));
  }
  const keys = [...names.keys()].filter((key) => key !== '').sort();
  const entries: LegendEntry[] = keys.map((key, i) => ({ key, label: names.get(key)!, colour: PALETTE[i % PALETTE.length]! }));
  entries.sort((a, b) => a.label.localeCompare(b.label) || a.key.localeCompare(b.key));
  if (names.has('')) entries.push({ key: '', label: none, colour: NO_GROUP_COLOUR });
  return entries;
}

/** The datasets the nodes were trained or refined on, each once, by name: what the filter offers. */
export function atlasDatasets(nodes: readonly AtlasNodeLike[]): { id: string; name: string }[] {
  const byId = new Map<string, string>();
  for (const node of nodes) if (node.dataset) byId.set(node.dataset.id, node.dataset.name);
  return [...byId].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** Adds the datasets of a newer answer to those offered already (a filtered answer names only its own). */
export function mergeDatasets(known: readonly { id: string; name: string }[], more: readonly { id: string; name: string }[]): { id: string; name: string }[] {
  const byId = new Map(known.map((dataset) => [dataset.id, dataset.name]));
  for (const dataset of more) byId.set(dataset.id, dataset.name);
  return [...byId].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** The models not on the map, waiting ones first, then those that cannot be placed, by name. */
export function unplacedNodes<T extends AtlasNodeLike>(nodes: readonly T[]): T[] {
  const order: Record<Placement, number> = { pending: 0, failed: 1, unsupported: 2, placed: 3 };
  return nodes
    .filter((node) => node.placement !== 'placed')
    .sort((a, b) => order[a.placement] - order[b.placement] || a.model.name.localeCompare(b.model.name));
}

/** The distance to a node's nearest neighbour, or null without one. */
export function nearestDistance(node: AtlasNodeLike): number | null {
  return node.neighbours.reduce<number | null>((best, n) => (best === null || n.distance < best ? n.distance : best), null);
}

/**
 * The list view's rows in `sort` order (`descending` reverses it). Models without a parameter
 * count or without neighbours go last either way; ties are broken by name, then id.
 */
export function sortAtlasNodes<T extends AtlasNodeLike>(nodes: readonly T[], sort: AtlasSort, descending = false): T[] {
  const value = (node: T): number | string | null =>
    sort === 'name' ? node.model.name : sort === 'parameters' ? (typeof node.model.parameters === 'number' ? node.model.parameters : null) : nearestDistance(node);
  const byName = (a: T, b: T) => a.model.name.localeCompare(b.model.name) || a.model.id.localeCompare(b.model.id);
  return [...nodes].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va === null || vb === null) return va === vb ? byName(a, b) : va === null ? 1 : -1;
    const order = typeof va === 'string' ? va.localeCompare(vb as string) : va - (vb as number);
    return (descending ? -order : order) || byName(a, b);
  });
}

/** A distance as people read it: two decimals ("0.27"). */
export function formatDistance(distance: number): string {
  return Number.isFinite(distance) ? distance.toFixed(2) : '—';
}
