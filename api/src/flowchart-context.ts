/**
 * The validator's view of the world for one user: the datasets and registry models a graph names,
 * as far as that user may use them (their own, or public: access.ts decides). Someone else's
 * private dataset or model is as absent as one that does not exist. Only the ids the graph mentions are
 * loaded, so validating stays cheap however many rows exist.
 */
import { and, inArray } from 'drizzle-orm';
import { DATASET_FORMATS, formatTasks } from '@aip/datasets-spec';
import { datasets, models, type Database } from '@aip/platform';
import { flowchartUseProblem, isTaskType, type DatasetInfo, type FlowchartContext, type ModelInfo, type Plan, type TaskType } from '@aip/workflows';
import { datasetClasses } from './views.ts';
import { readableBy } from './access.ts';

/** The dataset and model ids a (possibly malformed) graph refers to. */
export function referencedIds(graph: unknown): { datasetIds: string[]; modelIds: string[] } {
  const datasetIds = new Set<string>();
  const modelIds = new Set<string>();
  const nodes = (graph as { nodes?: unknown } | null)?.nodes;
  for (const node of Array.isArray(nodes) ? nodes : []) {
    const data = (node as { data?: Record<string, unknown> } | null)?.data;
    if (!data || typeof data !== 'object') continue;
    if (typeof data.datasetId === 'string') datasetIds.add(data.datasetId);
    if (typeof data.modelId === 'string') modelIds.add(data.modelId);
    if (typeof data.initModelId === 'string') modelIds.add(data.initModelId);
  }
  return { datasetIds: [...datasetIds], modelIds: [...modelIds] };
}

const FORMAT_TASKS: Record<string, readonly TaskType[]> = Object.fromEntries(
  DATASET_FORMATS.map((format) => [format, formatTasks(format).filter(isTaskType)]),
);

export async function flowchartContext(db: Database, userId: string, graph: unknown): Promise<FlowchartContext> {
  const { datasetIds, modelIds } = referencedIds(graph);
  const context: FlowchartContext = { datasets: {}, models: {}, formatTasks: FORMAT_TASKS };
  if (datasetIds.length > 0) {
    const rows = await db
      .select()
      .from(datasets)
      .where(and(inArray(datasets.id, datasetIds), readableBy({ id: userId }, datasets)));
    for (const row of rows) {
      const info: DatasetInfo = {
        // A dataset whose format is not known yet cannot feed anything; the status says why.
        format: row.format ?? '',
        classes: datasetClasses(row.stats),
        status: row.status,
        name: row.name,
      };
      context.datasets[row.id] = info;
    }
  }
  if (modelIds.length > 0) {
    const rows = await db
      .select()
      .from(models)
      .where(and(inArray(models.id, modelIds), readableBy({ id: userId }, models)));
    for (const row of rows) {
      if (!isTaskType(row.task)) continue;
      const info: ModelInfo = { task: row.task, classes: row.classes, arch: row.arch, name: row.name };
      context.models[row.id] = info;
    }
  }
  return context;
}

/**
 * The registry models a plan reuses or starts from that a flowchart cannot use (still being
 * checked, refused, or a TorchScript/ONNX upload only the refinery can run): one problem each.
 */
export async function unusableModelProblems(db: Database, plan: Plan): Promise<Array<{ code: string; nodeId: string; message: string }>> {
  const uses = plan.stages.flatMap((stage) => [
    ...(stage.mode === 'reuse' && stage.modelId ? [{ nodeId: stage.nodeId, modelId: stage.modelId }] : []),
    ...(stage.initModelId ? [{ nodeId: stage.nodeId, modelId: stage.initModelId }] : []),
  ]);
  if (uses.length === 0) return [];
  const rows = await db
    .select({ id: models.id, name: models.name, status: models.status, format: models.format })
    .from(models)
    .where(inArray(models.id, [...new Set(uses.map((u) => u.modelId))]));
  const byId = new Map(rows.map((row) => [row.id, row]));
  return uses.flatMap(({ nodeId, modelId }) => {
    const row = byId.get(modelId);
    const message = row ? flowchartUseProblem(row) : null;
    return message ? [{ code: 'model_not_usable', nodeId, message }] : [];
  });
}
