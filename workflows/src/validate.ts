/**
 * The flowchart validator: every problem at once, each tied to the box or connection it is about,
 * in sentences for people who are not deep-learning specialists. The editor runs it live and the
 * API runs it before starting a run; the compiler refuses any graph it finds a problem in.
 *
 * Decisions worth knowing:
 * - Two stages may refine the same class of a detector (e.g. "person" → gender and "person" →
 *   age): both run on the same crops, in parallel. What is not allowed is a label that would
 *   count as two different classes of the detector (see `ambiguous_fine_class`).
 * - `parentClass` on a stage fed by a dataset is ignored (it only means something below a
 *   detector), so an editor that keeps it after rewiring does not block a run.
 * - Class presence is checked for stages that train, against the labels of the dataset the
 *   cascade starts from (labels carried onto crops come from there). Reused models are not
 *   trained, so their classes are not checked against the data.
 */
import { architecturesFor, isKnownArchitecture, isTaskSupported } from './architectures.ts';
import { buildLabelMap, childrenOf, inputOf, rootDatasetOf, stageClasses } from './classes.ts';
import { DEFAULT_FORMAT_TASKS, lookup, type FlowchartContext } from './context.ts';
import { TASK_TITLES, hasClasses } from './flowchart.ts';
import type { TaskType } from './plan.ts';
import { describeNode, isTaskGraphNode, parseGraph, type Graph, type GraphNode, type TaskGraphNode } from './graph.ts';
import { quoteList, withArticle, type FlowchartProblem, type FlowchartProblemParams } from './problems.ts';

export function validateFlowchart(graphInput: unknown, context: FlowchartContext): FlowchartProblem[] {
  const { graph, problems } = parseGraph(graphInput);
  if (problems.some((p) => p.code === 'invalid_graph')) return problems;

  const nodes = [...graph.nodes.values()];
  if (!nodes.some(isTaskGraphNode) && !problems.some((p) => p.code === 'invalid_node')) {
    problems.push({
      code: 'no_tasks',
      params: {},
      message: 'The flowchart has nothing to train: add a task such as detection or classification and connect a dataset to it.',
    });
  }
  problems.push(...findCycles(graph));
  for (const node of nodes) {
    if (node.type === 'dataset') problems.push(...checkDatasetNode(graph, node, context));
    else problems.push(...checkTaskNode(graph, node, context));
  }
  return problems;
}

function checkDatasetNode(graph: Graph, node: GraphNode & { type: 'dataset' }, context: FlowchartContext): FlowchartProblem[] {
  const problems: FlowchartProblem[] = [];
  if ((graph.inputs.get(node.id) ?? []).length > 0) {
    problems.push({
      code: 'dataset_has_input',
      nodeId: node.id,
      params: { node: node.name },
      message: `${describeNode(node)} has an incoming connection, but a dataset is where the flowchart starts: remove the connection into it.`,
    });
  }
  if (!node.data) return problems;
  const dataset = lookup(context.datasets, node.data.datasetId);
  if (!dataset) {
    problems.push({
      code: 'dataset_not_found',
      nodeId: node.id,
      params: { node: node.name, datasetId: node.data.datasetId },
      message: `${describeNode(node)} uses a dataset ("${node.data.datasetId}") that does not exist or that you cannot access; pick another dataset.`,
    });
  } else if (dataset.status !== 'ready') {
    problems.push({
      code: 'dataset_not_ready',
      nodeId: node.id,
      params: {
        ...(dataset.status === 'invalid' ? { variant: 'invalid' } : {}),
        node: node.name,
        dataset: dataset.name ?? node.data.datasetId,
        status: dataset.status,
      },
      message:
        dataset.status === 'invalid'
          ? `${describeNode(node)} uses the dataset "${dataset.name ?? node.data.datasetId}", which failed its checks; fix and upload it again, or pick another.`
          : `${describeNode(node)} uses the dataset "${dataset.name ?? node.data.datasetId}", which is not ready yet (${dataset.status}); wait until its upload has been checked.`,
    });
  }
  return problems;
}

function checkTaskNode(graph: Graph, node: TaskGraphNode, context: FlowchartContext): FlowchartProblem[] {
  const problems: FlowchartProblem[] = [];
  const add = (code: FlowchartProblem['code'], params: FlowchartProblemParams, message: string) =>
    problems.push({ code, nodeId: node.id, params: { node: node.name, ...params }, message });
  const where = describeNode(node);
  const title = TASK_TITLES[node.type];

  const inputCount = (graph.inputs.get(node.id) ?? []).length;
  if (inputCount === 0) add('missing_input', {}, `${where} has no input: connect a dataset or a detector to it.`);
  if (inputCount > 1) add('multiple_inputs', { count: inputCount }, `${where} has ${inputCount} inputs, but a stage takes exactly one: remove all but one connection into it.`);

  if (!isTaskSupported(node.type)) {
    add('unsupported_task', { task: node.type }, `${where} is ${withArticle(title)} stage; ${title} is not supported yet.`);
    return problems;
  }
  const data = node.data;
  if (!data) return problems; // its schema problems are already reported

  if (data.arch !== undefined && !isKnownArchitecture(node.type, data.arch)) {
    const choices = architecturesFor(node.type).map((a) => a.id);
    add('unknown_arch', { arch: data.arch, task: node.type, choices }, `${where} uses the architecture "${data.arch}", which ${title} does not offer; choose ${quoteList(choices)}.`);
  }
  problems.push(...checkModeAndClasses(node, context));
  problems.push(...checkInput(graph, node, context));
  problems.push(...checkLabels(graph, node, context));
  return problems;
}

function checkModeAndClasses(node: TaskGraphNode, context: FlowchartContext): FlowchartProblem[] {
  const problems: FlowchartProblem[] = [];
  const add = (code: FlowchartProblem['code'], params: FlowchartProblemParams, message: string) =>
    problems.push({ code, nodeId: node.id, params: { node: node.name, ...params }, message });
  const where = describeNode(node);
  const data = node.data!;
  const classes = data.classes ?? [];

  const checkModel = (modelId: string, role: 'reuses' | 'starts from'): boolean => {
    const model = lookup(context.models, modelId);
    // Which wording: the reused model, or the one whose weights start training.
    const variant: FlowchartProblemParams = role === 'reuses' ? {} : { variant: 'init' };
    if (!model) {
      add('model_not_found', { ...variant, model: modelId }, `${where} ${role} the model "${modelId}", which does not exist or is not shared with you; pick another model.`);
      return false;
    }
    if (model.task !== node.type) {
      add('model_wrong_task', { ...variant, model: model.name ?? modelId, modelTask: model.task, task: node.type }, `${where} ${role} the model "${model.name ?? modelId}", which does ${TASK_TITLES[model.task]}, not ${TASK_TITLES[node.type]}; pick ${withArticle(TASK_TITLES[node.type])} model.`);
      return false;
    }
    return true;
  };

  if ((data.mode ?? 'train') === 'reuse') {
    if (!data.modelId) {
      add('reuse_without_model', {}, `${where} is set to reuse an existing model but names none: pick the model to reuse, or switch it to train.`);
    } else if (checkModel(data.modelId, 'reuses')) {
      const modelClasses = lookup(context.models, data.modelId)!.classes;
      const same = classes.length === modelClasses.length && classes.every((c) => modelClasses.includes(c));
      if (classes.length > 0 && !same) {
        add('reuse_classes_locked', { classes: modelClasses }, `${where} reuses a model whose classes are ${quoteList(modelClasses)}; a reused model's classes cannot be changed, so clear the class list or train a new model.`);
      }
    }
    return problems;
  }

  if (data.initModelId) checkModel(data.initModelId, 'starts from');
  if (!hasClasses(node.type)) return problems;
  if (classes.length === 0) {
    add('empty_classes', {}, `${where} has no classes: list the classes this stage should recognise.`);
    return problems;
  }
  if (node.type === 'classification' && classes.length < 2) {
    add('too_few_classes', { className: classes[0]! }, `${where} has only the class "${classes[0]}"; a classifier chooses between classes, so list at least two.`);
  }
  const blank = classes.filter((c) => c.trim() === '' || c !== c.trim());
  if (blank.length > 0) {
    add('invalid_classes', {}, `${where} has a class name that is empty or starts or ends with a space; class names must be written exactly as in the dataset.`);
  }
  const duplicates = [...new Set(classes.filter((c, i) => classes.indexOf(c) !== i))];
  if (duplicates.length > 0) add('duplicate_classes', { classes: duplicates }, `${where} lists ${quoteList(duplicates)} more than once; each class must appear once.`);
  return problems;
}

/**
 * The tasks whose output another stage can take: crops of a class, images routed by class,
 * enhanced images, text lines (for a text recognizer only).
 */
/** The tasks people label in AIP's labeler (enhancement learns from image pairs, which nobody draws). */
export const LABELABLE_TASKS: readonly TaskType[] = ['classification', 'detection', 'segmentation', 'text_detection', 'text_recognition'];

const FEEDING_TASKS: readonly TaskType[] = ['detection', 'text_detection', 'classification', 'enhancement'];

function checkInput(graph: Graph, node: TaskGraphNode, context: FlowchartContext): FlowchartProblem[] {
  const input = inputOf(graph, node.id);
  if (!input) return [];
  const problems: FlowchartProblem[] = [];
  const add = (code: FlowchartProblem['code'], params: FlowchartProblemParams, message: string) =>
    problems.push({ code, nodeId: node.id, edgeId: input.edge.id, params: { node: node.name, ...params }, message });
  const where = describeNode(node);
  const title = TASK_TITLES[node.type];
  const source = input.source;

  if (source.type === 'dataset') {
    const dataset = source.data ? lookup(context.datasets, source.data.datasetId) : undefined;
    if (!dataset) return problems; // reported on the dataset box
    // An unlabeled dataset feeds any task people can label: its stage waits for their labels.
    const feeds = dataset.format === 'unlabeled' ? LABELABLE_TASKS : ((context.formatTasks ?? DEFAULT_FORMAT_TASKS)[dataset.format] ?? []);
    if (!feeds.includes(node.type)) {
      add(
        'format_mismatch',
        {
          ...(feeds.length === 0 ? { variant: 'no_task' } : {}),
          task: node.type,
          dataset: dataset.name ?? source.data!.datasetId,
          format: dataset.format,
          feeds: [...feeds],
        },
        `${where} does ${title}, but the dataset "${dataset.name ?? source.data!.datasetId}" is ${withArticle(dataset.format)} dataset, which ${feeds.length > 0 ? `can only train ${feeds.map((t) => TASK_TITLES[t]).join(' or ')}` : 'cannot train this task'}; connect ${withArticle(title)} dataset instead.`,
      );
    }
    return problems;
  }

  if (!FEEDING_TASKS.includes(source.type)) {
    add('stage_input_not_detector', { source: source.name, sourceTask: source.type }, `${where} takes its input from "${source.name}", ${withArticle(TASK_TITLES[source.type])} stage; only an object detection, text detection, image classification or image enhancement stage can feed another stage.`);
    return problems;
  }
  // A text detector hands on lines cut out upright: only something that reads them can use them.
  if (source.type === 'text_detection') {
    if (node.type !== 'text_recognition') {
      add('text_lines_need_reader', { source: source.name, task: node.type }, `${where} takes its input from the text detection stage "${source.name}", which hands on lines of text; only a text recognition stage can read them. Connect a text recognition stage to it instead.`);
    }
    return problems;
  }
  // An enhancer hands on its whole enhanced image: there is no class to choose.
  if (source.type === 'enhancement') return problems;
  // A detector hands on the crops of one class, a classifier the images it puts in one class.
  const routed = source.type === 'classification';
  const parentClasses = stageClasses(source, context);
  const parentClass = node.data?.parentClass;
  const variant = (none: boolean): { variant?: string } => (routed ? { variant: none ? 'routed_no_classes' : 'routed' } : none ? { variant: 'no_classes' } : {});
  const feeder = routed ? 'classifier' : 'detector';
  if (parentClass === undefined || parentClass === '') {
    add('missing_parent_class', { ...variant(!parentClasses?.length), detector: source.name, classes: parentClasses ?? [] }, `${where} is fed by the ${feeder} "${source.name}": choose which of its classes it ${routed ? 'takes the images of' : 'refines'}${parentClasses?.length ? ` (${quoteList(parentClasses)})` : ''}.`);
  } else if (parentClasses && !parentClasses.includes(parentClass)) {
    add('unknown_parent_class', { ...variant(!parentClasses.length), parentClass, detector: source.name, classes: parentClasses }, `${where} ${routed ? 'takes' : 'refines'} the class "${parentClass}", but the ${feeder} "${source.name}" does not ${routed ? 'have' : 'detect'} it${parentClasses.length ? `; its classes are ${quoteList(parentClasses)}` : ''}.`);
  }
  return problems;
}

/** Ambiguous fine labels, and (train mode) classes the root dataset never shows. */
function checkLabels(graph: Graph, node: TaskGraphNode, context: FlowchartContext): FlowchartProblem[] {
  const problems: FlowchartProblem[] = [];
  const where = describeNode(node);
  const { labelMap, conflicts } = buildLabelMap(graph, node, context);
  for (const conflict of conflicts) {
    problems.push({
      code: 'ambiguous_fine_class',
      nodeId: node.id,
      params: { node: node.name, label: conflict.label, classes: [...conflict.classes] },
      message: `${where} cannot tell what a "${conflict.label}" label is: the stages below it make it count as ${conflict.classes.map((c) => `"${c}"`).join(' and as ')} at once; rename that class in one of them.`,
    });
  }
  if ((node.data?.mode ?? 'train') !== 'train') return problems;
  // A stage whose own classes, or whose map from the stages below, is already reported broken
  // would only get a confusing follow-on problem here.
  if (!hasWellFormedClasses(node) || labelMapIncomplete(graph, node, context)) return problems;
  // Fed by a stage that cannot feed it (reported above): where its labels would come from is moot.
  const source = inputOf(graph, node.id)?.source;
  if (source && source.type !== 'dataset' && !FEEDING_TASKS.includes(source.type)) return problems;
  if (source?.type === 'text_detection' && node.type !== 'text_recognition') return problems;
  const root = rootDatasetOf(graph, node.id);
  const datasetId = root?.type === 'dataset' ? root.data?.datasetId : undefined;
  const dataset = datasetId === undefined ? undefined : lookup(context.datasets, datasetId);
  // An unlabelled dataset gets its labels from labeling, so there is nothing to check yet.
  if (!dataset || dataset.classes.length === 0) return problems;
  const labels = new Set(dataset.classes);
  const missing = (node.data?.classes ?? []).filter(
    (c) => !labels.has(c) && !Object.entries(labelMap).some(([fine, coarse]) => coarse === c && labels.has(fine)),
  );
  if (missing.length > 0) {
    problems.push({
      code: 'class_not_in_dataset',
      nodeId: node.id,
      params: { node: node.name, classes: missing, dataset: dataset.name ?? datasetId!, labels: [...dataset.classes] },
      message: `${where} lists ${quoteList(missing)}, but no image in the dataset "${dataset.name ?? datasetId}" is labelled ${missing.length === 1 ? 'with it' : 'with these'} (nor with a finer class that a stage below maps to ${missing.length === 1 ? 'it' : 'them'}); its labels are ${quoteList(dataset.classes)}.`,
    });
  }
  return problems;
}

function hasWellFormedClasses(node: TaskGraphNode): boolean {
  const classes = node.data?.classes ?? [];
  return classes.length > 0 && new Set(classes).size === classes.length && classes.every((c) => c !== '' && c === c.trim());
}

/** True when a stage below `node` has a problem that leaves labels out of its label map. */
function labelMapIncomplete(graph: Graph, node: TaskGraphNode, context: FlowchartContext, seen = new Set<string>()): boolean {
  if (seen.has(node.id)) return false;
  seen.add(node.id);
  const own = stageClasses(node, context) ?? [];
  return childrenOf(graph, node.id).some((child) => {
    if (!child.data || child.data.parentClass === undefined || !own.includes(child.data.parentClass)) return true;
    const reuse = (child.data.mode ?? 'train') === 'reuse';
    if (reuse ? stageClasses(child, context) === undefined : !hasWellFormedClasses(child)) return true;
    return labelMapIncomplete(graph, child, context, seen);
  });
}

/** One problem per loop, naming the boxes in it. */
function findCycles(graph: Graph): FlowchartProblem[] {
  const problems: FlowchartProblem[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (id: string) => {
    state.set(id, 'open');
    stack.push(id);
    for (const edge of graph.outputs.get(id) ?? []) {
      const next = edge.target;
      if (state.get(next) === 'open') {
        const loop = stack.slice(stack.indexOf(next));
        const key = [...loop].sort().join('\u0000');
        if (!reported.has(key)) {
          reported.add(key);
          const names = [...loop, next].map((n) => graph.nodes.get(n)?.name ?? n);
          problems.push({
            code: 'cycle',
            nodeId: next,
            params: { loop: names },
            message: `These boxes form a loop: ${names.map((n) => `"${n}"`).join(' → ')}. A flowchart must flow one way; remove one of these connections.`,
          });
        }
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of graph.nodes.keys()) if (!state.has(id)) visit(id);
  return problems;
}
