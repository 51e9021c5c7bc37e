/**
 * The model atlas as a user sees it (docs/contracts.md "Model atlas"): the ready models of a scope
 * with their place in the atlas, each one's k nearest models by the chosen metric, and the graph's
 * links (the union of those neighbourhoods) from the stored distance matrix. Only models the user
 * may read appear, so distances never reveal another user's private models.
 */
import { and, eq, inArray, isNotNull, or, sql } from 'drizzle-orm';
import { atlasDistances, atlasSignatures, datasets, modelParents, models, refineryTasks, stageRuns, type Database, type Model } from '@aip/platform';
import { ATLAS_PROBE_SET } from '@aip/workflows/temporal';
import type { AuthUser } from './auth.ts';
import { readableBy } from './access.ts';

export const ATLAS_METRICS = ['attribution', 'depara'] as const;
export type AtlasMetric = (typeof ATLAS_METRICS)[number];
export type Placement = 'placed' | 'pending' | 'unsupported' | 'failed';

export interface AtlasNode {
  model: Model;
  dataset: { id: string; name: string } | null;
  placement: Placement;
  reason: string | null;
  neighbours: Array<{ id: string; distance: number }>;
}

export interface AtlasGraph {
  probeSet: string;
  nodes: AtlasNode[];
  links: Array<{ source: string; target: string; distance: number }>;
  lineage: Array<{ parent: string; child: string; role: 'teacher' | 'pruned_from' | 'init' }>;
}

/** Where each model stands in the atlas: placed, waiting for its signature, or not placeable (and why). */
export async function placements(db: Database, ids: string[]): Promise<Map<string, { placement: Placement; reason: string | null }>> {
  const rows = ids.length === 0 ? [] : await db.select().from(atlasSignatures).where(inArray(atlasSignatures.modelId, ids));
  const byId = new Map(rows.map((row) => [row.modelId, row]));
  return new Map(
    ids.map((id): [string, { placement: Placement; reason: string | null }] => {
      const row = byId.get(id);
      if (!row || row.probeSet !== ATLAS_PROBE_SET) return [id, { placement: 'pending', reason: null }];
      return [id, { placement: row.status === 'ready' ? 'placed' : row.status, reason: row.reason }];
    }),
  );
}

/**
 * The uploaded dataset each model was trained (or refined) on: a stage's prepared data may be
 * derived (crops of the dataset a detector ran on), so derived datasets are followed to their root.
 * Only datasets the user may read are named.
 */
export async function modelDatasets(db: Database, user: Pick<AuthUser, 'id'>, rows: Model[]): Promise<Map<string, { id: string; name: string }>> {
  const direct = new Map<string, string>();
  const fromRuns = rows.filter((m) => m.originRunId && m.originNodeId);
  if (fromRuns.length > 0) {
    const stages = await db
      .select({ runId: stageRuns.runId, nodeId: stageRuns.nodeId, datasetId: stageRuns.datasetId })
      .from(stageRuns)
      .where(and(inArray(stageRuns.runId, [...new Set(fromRuns.map((m) => m.originRunId!))]), isNotNull(stageRuns.datasetId)));
    const byStage = new Map(stages.map((s) => [`${s.runId} ${s.nodeId}`, s.datasetId!]));
    for (const m of fromRuns) {
      const id = byStage.get(`${m.originRunId} ${m.originNodeId}`);
      if (id) direct.set(m.id, id);
    }
  }
  const refined = rows.filter((m) => m.refineryTaskId);
  if (refined.length > 0) {
    const tasks = await db
      .select({ id: refineryTasks.id, datasetId: refineryTasks.datasetId })
      .from(refineryTasks)
      .where(inArray(refineryTasks.id, refined.map((m) => m.refineryTaskId!)));
    const byTask = new Map(tasks.map((t) => [t.id, t.datasetId]));
    for (const m of refined) {
      const id = byTask.get(m.refineryTaskId!);
      if (id) direct.set(m.id, id);
    }
  }
  // Follow parents up (a cascade derives a few levels at most).
  const known = new Map<string, { name: string; parent: string | null; readable: boolean }>();
  let wanted = [...new Set(direct.values())];
  for (let depth = 0; depth < 16 && wanted.length > 0; depth++) {
    const found = await db
      .select({ id: datasets.id, name: datasets.name, parent: datasets.parentDatasetId, ownerId: datasets.ownerId, visibility: datasets.visibility })
      .from(datasets)
      .where(inArray(datasets.id, wanted));
    for (const ds of found) known.set(ds.id, { name: ds.name, parent: ds.parent, readable: ds.ownerId === user.id || ds.visibility === 'public' });
    wanted = [...new Set(found.map((ds) => ds.parent).filter((p): p is string => p !== null && !known.has(p)))];
  }
  const result = new Map<string, { id: string; name: string }>();
  for (const [modelId, datasetId] of direct) {
    let id = datasetId;
    for (let depth = 0; depth < 16; depth++) {
      const parent = known.get(id)?.parent;
      if (!parent || !known.has(parent)) break;
      id = parent;
    }
    const root = known.get(id);
    if (root?.readable) result.set(modelId, { id, name: root.name });
  }
  return result;
}

/**
 * Each model's k nearest among `ids`, nearest first. Postgres ranks the pairs (both directions of
 * each stored row) and returns only k per model, so a large atlas never ships its whole matrix here.
 */
export async function nearestAmong(db: Database, ids: string[], metric: AtlasMetric, k: number): Promise<Map<string, Array<{ id: string; distance: number }>>> {
  const lists = new Map<string, Array<{ id: string; distance: number }>>(ids.map((id) => [id, []]));
  if (ids.length < 2) return lists;
  const d = atlasDistances;
  // The metric is one of two known column names, never user text.
  const column = metric === 'depara' ? d.depara : d.attribution;
  const scope = and(eq(d.probeSet, ATLAS_PROBE_SET), inArray(d.modelA, ids), inArray(d.modelB, ids));
  const { rows } = await db.execute<{ model: string; other: string; distance: number }>(sql`
    select model, other, distance from (
      select model, other, distance, row_number() over (partition by model order by distance, other) as rank
      from (
        select ${d.modelA} as model, ${d.modelB} as other, ${column} as distance from ${d} where ${scope}
        union all
        select ${d.modelB}, ${d.modelA}, ${column} from ${d} where ${scope}
      ) pairs
    ) ranked
    where rank <= ${k}
    order by model, rank`);
  for (const row of rows) lists.get(row.model)?.push({ id: row.other, distance: Number(row.distance) });
  return lists;
}

/** The atlas of the given (already access-filtered) ready models; `datasetsOf` from modelDatasets. */
export async function atlasGraph(
  db: Database,
  rows: Model[],
  datasetsOf: Map<string, { id: string; name: string }>,
  metric: AtlasMetric,
  k: number,
): Promise<Omit<AtlasGraph, 'probeSet'>> {
  const ids = rows.map((m) => m.id);
  const where = await placements(db, ids);
  const placed = ids.filter((id) => where.get(id)?.placement === 'placed');
  const lists = await nearestAmong(db, placed, metric, k);
  const nodes: AtlasNode[] = rows.map((model) => ({
    model,
    dataset: datasetsOf.get(model.id) ?? null,
    ...where.get(model.id)!,
    neighbours: lists.get(model.id) ?? [],
  }));
  // The graph's links: each model to its k nearest, once per pair.
  const links = new Map<string, { source: string; target: string; distance: number }>();
  for (const node of nodes) {
    for (const n of node.neighbours) {
      const [source, target] = node.model.id < n.id ? [node.model.id, n.id] : [n.id, node.model.id];
      links.set(`${source} ${target}`, { source, target, distance: n.distance });
    }
  }
  const inScope = new Set(ids);
  const parents =
    ids.length === 0
      ? []
      : await db
          .select({ parent: modelParents.parentModelId, child: modelParents.modelId, role: modelParents.role })
          .from(modelParents)
          .where(inArray(modelParents.modelId, ids));
  const lineage = [
    ...parents.filter((p) => inScope.has(p.parent)),
    ...rows.filter((m) => m.initModelId && inScope.has(m.initModelId)).map((m) => ({ parent: m.initModelId!, child: m.id, role: 'init' as const })),
  ];
  return { nodes, links: [...links.values()], lineage };
}

/** A model's nearest models among those the user may read. */
export async function nearestModels(db: Database, user: Pick<AuthUser, 'id'>, model: Model, metric: AtlasMetric, k: number) {
  const where = (await placements(db, [model.id])).get(model.id)!;
  if (where.placement !== 'placed') return { ...where, neighbours: [] as Array<{ model: Model; distance: number }> };
  const rows = await db
    .select({ a: atlasDistances.modelA, b: atlasDistances.modelB, attribution: atlasDistances.attribution, depara: atlasDistances.depara })
    .from(atlasDistances)
    .where(and(eq(atlasDistances.probeSet, ATLAS_PROBE_SET), or(eq(atlasDistances.modelA, model.id), eq(atlasDistances.modelB, model.id))));
  const distance = new Map(rows.map((row) => [row.a === model.id ? row.b : row.a, row[metric]]));
  const others = distance.size === 0 ? [] : await db.select().from(models).where(and(inArray(models.id, [...distance.keys()]), readableBy(user, models)));
  const neighbours = others
    .map((m) => ({ model: m, distance: distance.get(m.id)! }))
    .sort((x, y) => x.distance - y.distance || x.model.id.localeCompare(y.model.id))
    .slice(0, k);
  return { ...where, neighbours };
}
