/**
 * What the flowchart list shows beside each flowchart: a thumbnail of its graph and how its most
 * recent run went (run status, each stage's state and progress, whether a bundle exists). However
 * many flowcharts a user has, this is three queries: the latest run of each, their stage rows,
 * their bundles.
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import { bundles, runs, stageRuns, type Database, type Flowchart, type StageRun } from '@aip/platform';
import type { Plan, PlanStage } from '@aip/workflows';
import type { Static } from 'typebox';
import { flowchartSummary, iso, type FlowchartOverviewSchema, type LastRunSchema, type MiniGraphSchema } from './views.ts';
import { ownerNames } from './owners.ts';

type MiniGraph = Static<typeof MiniGraphSchema>;
type LastRun = Static<typeof LastRunSchema>;
export type FlowchartOverview = Static<typeof FlowchartOverviewSchema>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * The boxes and connections of a stored graph, settings left out. Drafts are stored as they are,
 * so anything malformed (a node without an id or position, an edge to a missing node) is skipped
 * rather than failing the whole list.
 */
export function miniGraph(graph: unknown): MiniGraph {
  const rawNodes = isRecord(graph) && Array.isArray(graph.nodes) ? graph.nodes : [];
  const rawEdges = isRecord(graph) && Array.isArray(graph.edges) ? graph.edges : [];
  const nodes: MiniGraph['nodes'] = [];
  for (const node of rawNodes) {
    if (!isRecord(node) || typeof node.id !== 'string' || typeof node.type !== 'string') continue;
    const position = node.position;
    if (!isRecord(position) || !isFiniteNumber(position.x) || !isFiniteNumber(position.y)) continue;
    const label = isRecord(node.data) && typeof node.data.label === 'string' && node.data.label.trim() !== '' ? node.data.label : node.id;
    nodes.push({ id: node.id, type: node.type, label, position: { x: position.x, y: position.y } });
  }
  const ids = new Set(nodes.map((n) => n.id));
  const edges = rawEdges
    .filter((edge): edge is { source: string; target: string } => isRecord(edge) && ids.has(edge.source as string) && ids.has(edge.target as string))
    .map(({ source, target }) => ({ source, target }));
  return { nodes, edges };
}

/** Each plan stage's state and progress: its stage_runs row's, or `pending` before it has one. */
export function stageStates(stages: PlanStage[], rows: Pick<StageRun, 'nodeId' | 'state' | 'progress'>[]): LastRun['stages'] {
  const byNode = new Map(rows.map((row) => [row.nodeId, row]));
  return stages.map((stage) => {
    const row = byNode.get(stage.nodeId);
    return { nodeId: stage.nodeId, state: row?.state ?? 'pending', progress: row?.progress ?? 0 };
  });
}

/** The most recent run of each of `flowchartIds` (owned by `ownerId`), by flowchart id. */
export async function lastRuns(db: Database, ownerId: string, flowchartIds: string[]): Promise<Map<string, LastRun>> {
  const result = new Map<string, LastRun>();
  if (flowchartIds.length === 0) return result;
  // DISTINCT ON keeps the first row of each flowchart in this order: its newest run.
  const latest = await db
    .selectDistinctOn([runs.flowchartId], {
      id: runs.id,
      flowchartId: runs.flowchartId,
      status: runs.status,
      plan: runs.plan,
      createdAt: runs.createdAt,
    })
    .from(runs)
    .where(and(eq(runs.ownerId, ownerId), inArray(runs.flowchartId, flowchartIds)))
    .orderBy(runs.flowchartId, desc(runs.createdAt), desc(runs.id));
  if (latest.length === 0) return result;

  const runIds = latest.map((run) => run.id);
  const [stageRows, bundleRows] = await Promise.all([
    db
      .select({ runId: stageRuns.runId, nodeId: stageRuns.nodeId, state: stageRuns.state, progress: stageRuns.progress })
      .from(stageRuns)
      .where(inArray(stageRuns.runId, runIds)),
    db.select({ runId: bundles.runId }).from(bundles).where(inArray(bundles.runId, runIds)),
  ]);
  const withBundle = new Set(bundleRows.map((row) => row.runId));
  const rowsByRun = new Map<string, typeof stageRows>();
  for (const row of stageRows) rowsByRun.set(row.runId, [...(rowsByRun.get(row.runId) ?? []), row]);
  for (const run of latest) {
    if (!run.flowchartId) continue;
    result.set(run.flowchartId, {
      id: run.id,
      status: run.status,
      createdAt: iso(run.createdAt)!,
      stages: stageStates((run.plan as Plan | null)?.stages ?? [], rowsByRun.get(run.id) ?? []),
      bundle: withBundle.has(run.id),
    });
  }
  return result;
}

/** The list rows of `rows` (one user's flowcharts), in the order given. */
export async function flowchartOverviews(db: Database, ownerId: string, rows: Flowchart[]): Promise<FlowchartOverview[]> {
  const latest = await lastRuns(db, ownerId, rows.map((row) => row.id));
  const owners = await ownerNames(db, rows);
  return rows.map((row) => ({
    ...flowchartSummary(row, ownerId, owners),
    graph: miniGraph(row.graph),
    lastRun: latest.get(row.id) ?? null,
  }));
}
