import { describe, expect, it } from 'vitest';
import type { Flowchart, TaskNodeData } from './flowchart.ts';
import { PROBLEM_CODES, type ProblemCode } from './problems.ts';
import { headlineContext, headlineFlowchart } from './test-support/headline.ts';
import { validateFlowchart } from './validate.ts';

type Node = Flowchart['nodes'][number];
const at = { x: 0, y: 0 };

function taskData(graph: Flowchart, id: string): TaskNodeData {
  const node = graph.nodes.find((n) => n.id === id);
  if (!node || node.type === 'dataset') throw new Error(`no task node ${id}`);
  return node.data;
}

/** The headline graph after `change`, validated against the headline context. */
function problemsAfter(change: (graph: Flowchart) => void) {
  const graph = headlineFlowchart();
  change(graph);
  return validateFlowchart(graph, headlineContext());
}

function expectOnly(problems: ReturnType<typeof validateFlowchart>, code: ProblemCode, nodeId?: string) {
  expect(problems.map((p) => p.code)).toEqual([code]);
  if (nodeId !== undefined) expect(problems[0]?.nodeId).toBe(nodeId);
  return problems[0]!;
}

describe('validateFlowchart', () => {
  it('finds no problem in the headline flowchart', () => {
    expect(validateFlowchart(headlineFlowchart(), headlineContext())).toEqual([]);
  });

  it('rejects something that is not a flowchart', () => {
    for (const input of [null, 'graph', { nodes: [] }, { nodes: {}, edges: [] }]) {
      const [problem] = validateFlowchart(input, headlineContext());
      expect(problem?.code).toBe('invalid_graph');
      expect(problem?.message).toMatch(/list of "nodes" and a list of "edges"/);
    }
  });

  it('explains schema errors setting by setting', () => {
    const problems = problemsAfter((g) => {
      Object.assign(taskData(g, 'detect'), { epochs: 0, mode: 'fast', learningRate: 'high' });
    });
    expect(problems.every((p) => p.code === 'invalid_node' && p.nodeId === 'detect')).toBe(true);
    const messages = problems.map((p) => p.message);
    expect(messages).toContain('The stage "Detect shapes": the setting "epochs" must be a whole number of epochs from 1 to 10000, or empty for automatic (got 0).');
    expect(messages).toContain('The stage "Detect shapes": the setting "mode" must be "train" (train a new model) or "reuse" (use a registry model as is) (got "fast").');
    expect(messages.some((m) => m.includes('"learningRate" must be a number above 0'))).toBe(true);
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.params)).toContainEqual({ node: 'Detect shapes', box: 'stage', setting: 'epochs', got: '0' });
    expect(problems.map((p) => p.params)).toContainEqual({ node: 'Detect shapes', box: 'stage', setting: 'mode', got: '"fast"' });
  });

  it('reports a missing required setting and an unknown node kind', () => {
    const problems = problemsAfter((g) => {
      g.nodes[0] = { id: 'shapes', type: 'dataset', position: at, data: {} } as unknown as Node;
      g.nodes.push({ id: 'odd', type: 'teleport', position: at, data: {} } as unknown as Node);
    });
    expect(problems).toContainEqual({
      code: 'invalid_node',
      nodeId: 'shapes',
      params: { variant: 'missing', node: 'shapes', box: 'dataset', setting: 'datasetId' },
      message: 'The dataset box "shapes": the setting "datasetId" is missing; it must be the id of the dataset to use.',
    });
    expect(problems.find((p) => p.nodeId === 'odd')).toMatchObject({
      params: { variant: 'unknown_type', node: 'odd', type: '"teleport"' },
      message: expect.stringMatching(/unknown kind "teleport"/),
    });
  });

  it('reports a GPU pool name that cannot be a task queue, naming the stage', () => {
    expect(problemsAfter((g) => Object.assign(taskData(g, 'detect'), { pool: 'a100-80gb' }))).toEqual([]);
    const problem = expectOnly(
      problemsAfter((g) => Object.assign(taskData(g, 'round-kind'), { pool: 'Big GPUs' })),
      'invalid_node',
      'round-kind',
    );
    expect(problem.params).toEqual({ node: 'round-kind', box: 'stage', setting: 'pool', got: '"Big GPUs"' });
    expect(problem.message).toBe(
      'The stage "round-kind": the setting "pool" must be the name of a GPU pool (lower-case letters, digits and "-", at most 40 characters, starting with a letter or digit), or empty for the default pool (got "Big GPUs").',
    );
    for (const pool of ['', '-a', 'a'.repeat(41), 'a_b']) {
      expect(problemsAfter((g) => Object.assign(taskData(g, 'detect'), { pool })).map((p) => p.params.setting)).toEqual(['pool']);
    }
  });

  it('accepts null hyper-parameters as automatic and extra Svelte Flow properties', () => {
    const problems = problemsAfter((g) => {
      Object.assign(taskData(g, 'detect'), { epochs: null, batchSize: null });
      Object.assign(g.nodes[1]!, { measured: { width: 10, height: 5 }, selected: true });
    });
    expect(problems).toEqual([]);
  });

  it('reports a malformed connection', () => {
    const problem = expectOnly(
      problemsAfter((g) => g.edges.push({ id: 'e-bad', source: 'detect' } as Flowchart['edges'][number])),
      'invalid_edge',
    );
    expect(problem.edgeId).toBe('e-bad');
    expect(problem.message).toMatch(/"target" is missing/);
    expect(problem.params).toEqual({ variant: 'missing', edge: 'e-bad', setting: 'target' });
  });

  it('reports duplicate node and connection ids', () => {
    const problems = problemsAfter((g) => {
      g.nodes.push({ id: 'detect', type: 'detection', position: at, data: { classes: ['round'] } });
      g.edges.push({ id: 'e-detect-round', source: 'shapes', target: 'detect' });
    });
    expect(problems.map((p) => [p.code, p.nodeId ?? p.edgeId])).toEqual([
      ['duplicate_id', 'detect'],
      ['duplicate_id', 'e-detect-round'],
    ]);
    expect(problems[0]?.message).toBe('Two boxes share the id "detect"; every box needs its own id.');
    expect(problems.map((p) => p.params)).toEqual([{ id: 'detect' }, { variant: 'edge', id: 'e-detect-round' }]);
  });

  it('reports connections to boxes that do not exist', () => {
    const problem = expectOnly(
      problemsAfter((g) => g.edges.push({ id: 'e-ghost', source: 'detect', target: 'ghost' })),
      'unknown_edge_endpoint',
    );
    expect(problem).toMatchObject({ edgeId: 'e-ghost', params: { edge: 'e-ghost', missing: ['ghost'] }, message: 'The connection "e-ghost" points to "ghost", which is not a box in this flowchart.' });
  });

  it('reports a flowchart with nothing to train', () => {
    const graph: Flowchart = { nodes: [{ id: 'shapes', type: 'dataset', position: at, data: { datasetId: 'ds-shapes' } }], edges: [] };
    expectOnly(validateFlowchart(graph, headlineContext()), 'no_tasks');
  });

  it('reports a loop once, naming its boxes', () => {
    const problems = problemsAfter((g) => {
      g.nodes.push({ id: 'again', type: 'detection', position: at, data: { classes: ['round'], parentClass: 'round' } });
      g.edges.push({ id: 'e1', source: 'detect', target: 'again' }, { id: 'e2', source: 'again', target: 'detect' });
    });
    const cycles = problems.filter((p) => p.code === 'cycle');
    expect(cycles).toHaveLength(1);
    expect(cycles[0]?.params).toEqual({ loop: ['Detect shapes', 'again', 'Detect shapes'] });
    expect(cycles[0]?.message).toBe(
      'These boxes form a loop: "Detect shapes" → "again" → "Detect shapes". A flowchart must flow one way; remove one of these connections.',
    );
    // The detector now also has two inputs; both problems are reported together.
    expect(problems.map((p) => p.code)).toContain('multiple_inputs');
  });

  it('reports a stage without input', () => {
    const problem = expectOnly(problemsAfter((g) => g.edges.splice(0, 1)), 'missing_input', 'detect');
    expect(problem.message).toBe('The stage "Detect shapes" has no input: connect a dataset or a detector to it.');
    expect(problem.params).toEqual({ node: 'Detect shapes' });
  });

  it('reports a stage with two inputs', () => {
    const problems = problemsAfter((g) => {
      g.nodes.push({ id: 'more', type: 'dataset', position: at, data: { datasetId: 'ds-shapes' } });
      g.edges.push({ id: 'e-more', source: 'more', target: 'detect' });
    });
    const problem = expectOnly(problems, 'multiple_inputs', 'detect');
    expect(problem.message).toMatch(/has 2 inputs, but a stage takes exactly one/);
    expect(problem.params).toEqual({ node: 'Detect shapes', count: 2 });
  });

  it('reports a dataset with an input', () => {
    const problems = problemsAfter((g) => g.edges.push({ id: 'e-back', source: 'detect', target: 'shapes' }));
    expect(problems.map((p) => p.code).sort()).toEqual(['cycle', 'dataset_has_input']);
    expect(problems.find((p) => p.code === 'dataset_has_input')?.nodeId).toBe('shapes');
  });

  it('reports a dataset that does not exist or is not ready', () => {
    expect(expectOnly(problemsAfter((g) => Object.assign(g.nodes[0]!.data, { datasetId: 'nope' })), 'dataset_not_found', 'shapes').message).toMatch(
      /"nope"\) that does not exist/,
    );
    const notReady = expectOnly(problemsAfter((g) => Object.assign(g.nodes[0]!.data, { datasetId: 'ds-uploading' })), 'dataset_not_ready', 'shapes');
    expect(notReady.message).toBe(
      'The dataset box "Shapes" uses the dataset "Fresh upload", which is not ready yet (validating); wait until its upload has been checked.',
    );
    expect(notReady.params).toEqual({ node: 'Shapes', dataset: 'Fresh upload', status: 'validating' });
  });

  it('reports a dataset whose format cannot feed the stage', () => {
    const problem = expectOnly(
      problemsAfter((g) => Object.assign(g.nodes[0]!.data, { datasetId: 'ds-pets' })).filter((p) => p.code !== 'class_not_in_dataset'),
      'format_mismatch',
      'detect',
    );
    expect(problem.edgeId).toBe('e-shapes-detect');
    expect(problem.message).toBe(
      'The stage "Detect shapes" does object detection, but the dataset "Pets" is a classification dataset, which can only train image classification; connect an object detection dataset instead.',
    );
    expect(problem.params).toEqual({ node: 'Detect shapes', task: 'detection', dataset: 'Pets', format: 'classification', feeds: ['classification'] });
  });

  it('lets an unlabeled dataset feed any task people can label, but not enhancement', () => {
    const context = headlineContext();
    context.datasets['ds-photos'] = { name: 'Photos', format: 'unlabeled', status: 'ready', classes: [] };
    const graph = headlineFlowchart();
    Object.assign(graph.nodes[0]!.data!, { datasetId: 'ds-photos' });
    expect(validateFlowchart(graph, context)).toEqual([]);
    graph.nodes.push({ id: 'sharpen', type: 'enhancement', position: at, data: {} });
    graph.edges.push({ id: 'e-sharpen', source: 'shapes', target: 'sharpen' });
    const problem = expectOnly(validateFlowchart(graph, context), 'format_mismatch', 'sharpen');
    expect(problem.params).toMatchObject({ format: 'unlabeled', feeds: ['classification', 'detection', 'segmentation', 'text_detection', 'text_recognition'] });
  });

  it('honours a custom format → task rule from the context', () => {
    const context = { ...headlineContext(), formatTasks: { detection: ['detection', 'classification'] as const } };
    const graph = headlineFlowchart();
    graph.nodes.push({ id: 'whole', type: 'classification', position: at, data: { classes: ['circle', 'ring'] } });
    graph.edges.push({ id: 'e-whole', source: 'shapes', target: 'whole' });
    expect(validateFlowchart(graph, context)).toEqual([]);
    expectOnly(validateFlowchart(graph, headlineContext()), 'format_mismatch', 'whole');
  });

  it('reports an architecture the task does not offer', () => {
    const problem = expectOnly(problemsAfter((g) => Object.assign(taskData(g, 'detect'), { arch: 'resnet18' })), 'unknown_arch', 'detect');
    expect(problem.message).toMatch(/choose "tiny_det" and "fasterrcnn_mobilenet_v3_large_320_fpn"|choose "tiny_det"/);
    expect(problem.params).toMatchObject({ node: 'Detect shapes', arch: 'resnet18', task: 'detection', choices: expect.arrayContaining(['tiny_det']) });
  });

  it('reports a stage fed by a stage whose output cannot feed another', () => {
    const problems = problemsAfter((g) => {
      g.nodes.push({ id: 'outline', type: 'segmentation', position: at, data: { classes: ['circle'], parentClass: 'round' } });
      g.edges.push({ id: 'e-outline', source: 'detect', target: 'outline' });
      g.nodes.push({ id: 'deeper', type: 'classification', position: at, data: { classes: ['circle', 'ring'], parentClass: 'circle' } });
      g.edges.push({ id: 'e-deeper', source: 'outline', target: 'deeper' });
    });
    expect(expectOnly(problems, 'stage_input_not_detector', 'deeper').message).toBe(
      'The stage "deeper" takes its input from "outline", a segmentation stage; only an object detection, text detection, image classification or image enhancement stage can feed another stage.',
    );
  });

  it('lets only a text recognition stage read the lines of a text detection stage, with no class to choose', () => {
    const below = (type: 'text_recognition' | 'classification') =>
      problemsAfter((g) => {
        g.nodes.push({ id: 'lines', type: 'text_detection', position: at, data: {} });
        g.edges.push({ id: 'e-lines', source: 'detect', target: 'lines' });
        Object.assign(taskData(g, 'lines'), { parentClass: 'angular' });
        g.nodes.push({ id: 'read', type, position: at, data: type === 'classification' ? { classes: ['a', 'b'] } : {} });
        g.edges.push({ id: 'e-read', source: 'lines', target: 'read' });
      });
    expect(below('text_recognition')).toEqual([]);
    expect(expectOnly(below('classification'), 'text_lines_need_reader', 'read')).toMatchObject({
      message:
        'The stage "read" takes its input from the text detection stage "lines", which hands on lines of text; only a text recognition stage can read them. Connect a text recognition stage to it instead.',
      params: { source: 'lines', task: 'classification' },
    });
  });

  it('lets a classifier route images of one of its classes to another stage, and names its classes when the choice is wrong', () => {
    const routed = (parentClass?: string) =>
      problemsAfter((g) => {
        g.nodes.push({ id: 'deeper', type: 'detection', position: at, data: { classes: ['circle'], ...(parentClass ? { parentClass } : {}) } });
        g.edges.push({ id: 'e-deeper', source: 'round-kind', target: 'deeper' });
      });
    expect(routed('circle')).toEqual([]);
    expect(expectOnly(routed('oval'), 'unknown_parent_class', 'deeper')).toMatchObject({
      message: 'The stage "deeper" takes the class "oval", but the classifier "round-kind" does not have it; its classes are "circle" and "ring".',
      params: { variant: 'routed', parentClass: 'oval', detector: 'round-kind', classes: ['circle', 'ring'] },
    });
    expect(expectOnly(routed(), 'missing_parent_class', 'deeper').message).toBe(
      'The stage "deeper" is fed by the classifier "round-kind": choose which of its classes it takes the images of ("circle" and "ring").',
    );
  });

  it('reports a missing parent class below a detector', () => {
    const problems = problemsAfter((g) => delete taskData(g, 'round-kind').parentClass);
    const problem = expectOnly(problems, 'missing_parent_class', 'round-kind');
    expect(problem.message).toBe(
      'The stage "round-kind" is fed by the detector "Detect shapes": choose which of its classes it refines ("round" and "angular").',
    );
    expect(problem.params).toEqual({ node: 'round-kind', detector: 'Detect shapes', classes: ['round', 'angular'] });
  });

  it('reports a parent class the detector does not detect', () => {
    const problems = problemsAfter((g) => Object.assign(taskData(g, 'round-kind'), { parentClass: 'oval' }));
    expect(expectOnly(problems, 'unknown_parent_class', 'round-kind').message).toBe(
      'The stage "round-kind" refines the class "oval", but the detector "Detect shapes" does not detect it; its classes are "round" and "angular".',
    );
  });

  it('allows two stages refining the same parent class', () => {
    const problems = problemsAfter((g) => {
      g.nodes.push({ id: 'round-size', type: 'classification', position: at, data: { classes: ['ring', 'circle'], parentClass: 'round' } });
      g.edges.push({ id: 'e-size', source: 'detect', target: 'round-size' });
    });
    expect(problems).toEqual([]);
  });

  it('reports empty, blank and duplicate classes', () => {
    const empty = problemsAfter((g) => Object.assign(taskData(g, 'round-kind'), { classes: [] }));
    expect(empty.find((p) => p.code === 'empty_classes')).toMatchObject({
      nodeId: 'round-kind',
      message: 'The stage "round-kind" has no classes: list the classes this stage should recognise.',
    });
    expect(empty).toHaveLength(1);
    expectOnly(problemsAfter((g) => Object.assign(taskData(g, 'round-kind'), { classes: ['circle', 'ring '] })), 'invalid_classes', 'round-kind');
    expect(expectOnly(problemsAfter((g) => Object.assign(taskData(g, 'round-kind'), { classes: ['circle'] })), 'too_few_classes', 'round-kind').message).toBe(
      'The stage "round-kind" has only the class "circle"; a classifier chooses between classes, so list at least two.',
    );
    expect(
      expectOnly(problemsAfter((g) => Object.assign(taskData(g, 'round-kind'), { classes: ['circle', 'ring', 'circle'] })), 'duplicate_classes', 'round-kind')
        .message,
    ).toBe('The stage "round-kind" lists "circle" more than once; each class must appear once.');
    expect(problemsAfter((g) => Object.assign(taskData(g, 'round-kind'), { classes: ['circle'] }))[0]?.params).toEqual({ node: 'round-kind', className: 'circle' });
  });

  it('reports a fine label that would count as two classes of the detector', () => {
    const problems = problemsAfter((g) => Object.assign(taskData(g, 'angular-kind'), { classes: ['square', 'ring'] }));
    expect(expectOnly(problems, 'ambiguous_fine_class', 'detect').message).toBe(
      'The stage "Detect shapes" cannot tell what a "ring" label is: the stages below it make it count as "round" and as "angular" at once; rename that class in one of them.',
    );
  });

  it('reports classes the dataset never shows, counting fine labels for the detector', () => {
    const problems = problemsAfter((g) => {
      Object.assign(taskData(g, 'detect'), { classes: ['round', 'angular', 'star'] });
      Object.assign(taskData(g, 'round-kind'), { classes: ['circle', 'oval'] });
    });
    expect(problems.map((p) => [p.code, p.nodeId])).toEqual([
      ['class_not_in_dataset', 'detect'],
      ['class_not_in_dataset', 'round-kind'],
    ]);
    expect(problems[0]?.message).toMatch(/^The stage "Detect shapes" lists "star", but no image in the dataset "Shapes" is labelled with it/);
    expect(problems[0]?.params).toMatchObject({ node: 'Detect shapes', classes: ['star'], dataset: 'Shapes' });
  });

  it('reports reuse without a model, an unknown model, a model of another task and changed classes', () => {
    const reuse = (extra: Partial<TaskNodeData>) =>
      problemsAfter((g) => Object.assign(taskData(g, 'detect'), { mode: 'reuse', classes: undefined, ...extra }));
    expect(expectOnly(reuse({}), 'reuse_without_model', 'detect').message).toMatch(/pick the model to reuse/);
    expect(expectOnly(reuse({ modelId: 'm-gone' }), 'model_not_found', 'detect').message).toMatch(/"m-gone", which does not exist/);
    expect(expectOnly(reuse({ modelId: 'm-cls' }), 'model_wrong_task', 'detect').message).toBe(
      'The stage "Detect shapes" reuses the model "Round kinds v1", which does image classification, not object detection; pick an object detection model.',
    );
    expectOnly(reuse({ modelId: 'm-det', classes: ['round'] }), 'reuse_classes_locked', 'detect');
    expect(reuse({ modelId: 'm-det' })).toEqual([]);
  });

  it('checks the initial-weights model of a training stage', () => {
    expectOnly(problemsAfter((g) => Object.assign(taskData(g, 'detect'), { initModelId: 'm-gone' })), 'model_not_found', 'detect');
    expect(expectOnly(problemsAfter((g) => Object.assign(taskData(g, 'detect'), { initModelId: 'm-cls' })), 'model_wrong_task', 'detect').params).toEqual({
      variant: 'init',
      node: 'Detect shapes',
      model: 'Round kinds v1',
      modelTask: 'classification',
      task: 'detection',
    });
    expect(problemsAfter((g) => Object.assign(taskData(g, 'detect'), { initModelId: 'm-det' }))).toEqual([]);
  });

  it('returns every problem at once', () => {
    const problems = problemsAfter((g) => {
      Object.assign(g.nodes[0]!.data, { datasetId: 'ds-uploading' });
      Object.assign(taskData(g, 'detect'), { arch: 'nope' });
      Object.assign(taskData(g, 'round-kind'), { parentClass: undefined });
      Object.assign(taskData(g, 'angular-kind'), { classes: [] });
    });
    expect(problems.map((p) => p.code).sort()).toEqual(['dataset_not_ready', 'empty_classes', 'missing_parent_class', 'unknown_arch']);
  });

  it('only reports codes of the catalogue, each with its params', () => {
    const problems = problemsAfter((g) => {
      Object.assign(g.nodes[0]!.data, { datasetId: 'ds-uploading' });
      Object.assign(taskData(g, 'round-kind'), { parentClass: 'oval', classes: ['circle', 'circle'] });
    });
    for (const problem of problems) {
      expect(PROBLEM_CODES).toContain(problem.code);
      expect(problem.params).toBeTypeOf('object');
    }
  });
});
