import { describe, expect, it } from 'vitest';
import { PROBLEM_CODES, validateFlowchart, type Flowchart, type FlowchartContext, type FlowchartProblem } from '@aip/workflows';
import { LOCALES, dictionaries, type MessageKey } from '../i18n/dictionaries.ts';
import { interpolate } from './interpolate.ts';
import { flowchartProblemText } from './flowchart-problem-text.ts';

const translator = (locale: (typeof LOCALES)[number]) => (key: MessageKey, params?: Record<string, string | number>) =>
  interpolate(dictionaries[locale][key], params);
const zh = translator('zh-CN');
const en = translator('en');

const at = { x: 0, y: 0 };
const context: FlowchartContext = {
  datasets: {
    'ds-shapes': { format: 'detection', classes: ['circle', 'square'], status: 'ready', name: 'Shapes' },
    'ds-pets': { format: 'classification', classes: ['cat', 'dog'], status: 'ready', name: 'Pets' },
    'ds-new': { format: 'detection', classes: [], status: 'validating', name: 'Fresh' },
    'ds-bad': { format: 'detection', classes: [], status: 'invalid', name: 'Broken' },
  },
  models: {
    'm-cls': { task: 'classification', classes: ['cat', 'dog'], arch: 'tiny_cnn', name: 'Pets v1' },
    'm-det': { task: 'detection', classes: ['circle', 'square'], arch: 'tiny_det', name: 'Shapes v1' },
  },
};

/** Broken flowcharts that, between them, make the validator report almost every code. */
const broken: unknown[] = [
  'not a graph',
  {
    nodes: [
      { id: 'shapes', type: 'dataset', position: at, data: { datasetId: 'ds-shapes', label: 'Shapes' } },
      { id: 'detect', type: 'detection', position: at, data: { label: 'Detect', classes: ['circle', 'star', 'circle', ' x'], arch: 'nope' } },
      { id: 'no-parent', type: 'classification', position: at, data: { classes: ['a', 'b'] } },
      { id: 'zero', type: 'detection', position: at, data: { classes: ['circle'], epochs: 0 } },
      { id: 'kind', type: 'classification', position: at, data: { classes: ['one'], parentClass: 'oval' } },
      { id: 'orphan', type: 'classification', position: at, data: { classes: [] } },
      { id: 'deeper', type: 'detection', position: at, data: { classes: ['a'], parentClass: 'two' } },
      { id: 'routed', type: 'detection', position: at, data: { classes: ['a'] } },
      { id: 'routed-empty', type: 'detection', position: at, data: { classes: ['a'] } },
      { id: 'routed-wrong', type: 'detection', position: at, data: { classes: ['a'], parentClass: 'z' } },
      { id: 'outline', type: 'segmentation', position: at, data: { classes: ['circle'], parentClass: 'circle' } },
      { id: 'after-outline', type: 'classification', position: at, data: { classes: ['a', 'b'] } },
      { id: 'lines', type: 'text_detection', position: at, data: {} },
      { id: 'below-lines', type: 'classification', position: at, data: { classes: ['a', 'b'] } },
      { id: 'gone', type: 'dataset', position: at, data: { datasetId: 'ds-gone' } },
      { id: 'fresh', type: 'dataset', position: at, data: { datasetId: 'ds-new' } },
      { id: 'bad', type: 'dataset', position: at, data: { datasetId: 'ds-bad' } },
      { id: 'pets', type: 'dataset', position: at, data: { datasetId: 'ds-pets' } },
      { id: 'wrong-format', type: 'detection', position: at, data: { classes: ['cat'] } },
      { id: 'reuse', type: 'detection', position: at, data: { mode: 'reuse' } },
      { id: 'reuse-cls', type: 'detection', position: at, data: { mode: 'reuse', modelId: 'm-cls' } },
      { id: 'reuse-gone', type: 'detection', position: at, data: { mode: 'reuse', modelId: 'm-gone' } },
      { id: 'locked', type: 'detection', position: at, data: { mode: 'reuse', modelId: 'm-det', classes: ['circle'] } },
      { id: 'init', type: 'detection', position: at, data: { classes: ['circle'], initModelId: 'm-cls' } },
      { id: 'odd', type: 'teleport', position: at, data: {} },
      { id: 'shapes', type: 'dataset', position: at, data: { datasetId: 'ds-shapes' } },
      { id: 'no-data', type: 'dataset', position: at, data: {} },
      { type: 'dataset' },
    ],
    edges: [
      { id: 'e1', source: 'shapes', target: 'detect' },
      { id: 'e2', source: 'detect', target: 'kind' },
      { id: 'e2b', source: 'detect', target: 'no-parent' },
      { id: 'e3', source: 'kind', target: 'deeper' },
      { id: 'e3b', source: 'kind', target: 'routed' },
      { id: 'e3c', source: 'orphan', target: 'routed-empty' },
      { id: 'e3d', source: 'orphan', target: 'routed-wrong' },
      { id: 'e3e', source: 'detect', target: 'outline' },
      { id: 'e3f', source: 'outline', target: 'after-outline' },
      { id: 'e4', source: 'shapes', target: 'lines' },
      { id: 'e4b', source: 'lines', target: 'below-lines' },
      { id: 'e5', source: 'pets', target: 'wrong-format' },
      { id: 'e6', source: 'detect', target: 'shapes' },
      { id: 'e7', source: 'fresh', target: 'init' },
      { id: 'e8', source: 'bad', target: 'init' },
      { id: 'e9', source: 'detect', target: 'ghost' },
      { id: 'e1', source: 'shapes', target: 'detect' },
      { id: 'e10', source: 'shapes' },
      { source: 'a', target: 'b' },
    ],
  },
  { nodes: [{ id: 'shapes', type: 'dataset', position: at, data: { datasetId: 'ds-shapes' } }], edges: [] },
  {
    nodes: [
      { id: 'shapes', type: 'dataset', position: at, data: { datasetId: 'ds-shapes' } },
      { id: 'detect', type: 'detection', position: at, data: { classes: ['circle', 'square'] } },
      { id: 'round', type: 'classification', position: at, data: { classes: ['ring', 'disc'], parentClass: 'circle' } },
      { id: 'angular', type: 'classification', position: at, data: { classes: ['ring', 'box'], parentClass: 'square' } },
    ],
    edges: [
      { id: 'e1', source: 'shapes', target: 'detect' },
      { id: 'e2', source: 'detect', target: 'round' },
      { id: 'e3', source: 'detect', target: 'angular' },
    ],
  } satisfies Flowchart,
];
const problems: FlowchartProblem[] = broken.flatMap((graph) => validateFlowchart(graph, context));

describe('flowchartProblemText', () => {
  it('translates every problem the validator reports, filling in each value', () => {
    // Every task type trains now: unsupported_task stays for a task type added before its trainer.
    expect(PROBLEM_CODES.filter((code) => !problems.some((p) => p.code === code))).toEqual(['unsupported_task']);
    for (const problem of problems) {
      const text = flowchartProblemText(problem, zh);
      expect(text, problem.message).not.toBe(problem.message);
      expect(text, problem.message).not.toMatch(/\{\w+\}/);
      expect(flowchartProblemText(problem, en), problem.message).not.toMatch(/\{\w+\}/);
    }
  });

  it('reads in English as the validator says it for the common problems', () => {
    for (const code of ['missing_input', 'cycle', 'too_few_classes', 'empty_classes', 'reuse_without_model', 'dataset_has_input'] as const) {
      const problem = problems.find((p) => p.code === code)!;
      expect(flowchartProblemText(problem, en), code).toBe(problem.message);
    }
  });

  it('names boxes, settings, tasks, statuses and lists in the user language', () => {
    const text = (problem: Omit<FlowchartProblem, 'nodeId' | 'edgeId'>) => flowchartProblemText(problem, zh);
    expect(text({ code: 'missing_input', params: { node: 'Detect' }, message: '' })).toBe('阶段“Detect”没有输入：请把一个数据集或目标检测阶段连到它上面。');
    expect(text({ code: 'invalid_node', params: { node: 'Detect', box: 'stage', setting: 'epochs', got: '0' }, message: '' })).toBe(
      '阶段“Detect”的设置“训练轮数”现在是 0，不符合要求：应为介于 1 到 10000 之间的整数轮数，留空则自动决定。',
    );
    expect(text({ code: 'model_wrong_task', params: { variant: 'init', node: 'D', model: 'Pets v1', modelTask: 'classification', task: 'detection' }, message: '' })).toBe(
      '阶段“D”用作初始权重的模型“Pets v1”做的是“图像分类”，而不是“目标检测”：请选择一个“目标检测”模型。',
    );
    expect(text({ code: 'dataset_not_ready', params: { node: 'S', dataset: 'Fresh', status: 'validating' }, message: '' })).toContain('（校验中）');
    expect(text({ code: 'duplicate_classes', params: { node: 'K', classes: ['a', 'b', 'c'] }, message: '' })).toBe(
      '阶段“K”重复列出了“a”、“b”和“c”：每个类别只能出现一次。',
    );
    expect(text({ code: 'cycle', params: { loop: ['A', 'B', 'A'] }, message: '' })).toContain('“A” → “B” → “A”');
    const many = Array.from({ length: 10 }, (_, i) => `c${i}`);
    expect(flowchartProblemText({ code: 'duplicate_classes', params: { node: 'K', classes: many }, message: '' }, en)).toBe(
      'The stage "K" lists "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7" and 2 more more than once; each class must appear once.',
    );
  });

  it('falls back to the English message for unknown codes or variants and missing params', () => {
    expect(flowchartProblemText({ code: 'something_new', params: {}, message: 'A newer check.' }, zh)).toBe('A newer check.');
    expect(flowchartProblemText({ code: 'duplicate_id', params: { variant: 'port', id: 'x' }, message: 'Port clash.' }, zh)).toBe('Port clash.');
    expect(flowchartProblemText({ code: 'missing_input', message: 'From an older server.' }, zh)).toBe('From an older server.');
    expect(flowchartProblemText({ code: 'invalid_node', params: { node: 'n', box: 'stage', setting: 'warp', got: '1' }, message: 'Unknown setting.' }, zh)).toBe(
      'Unknown setting.',
    );
  });
});

describe('flowchart problem dictionary', () => {
  it('translates every code of the workflows catalogue, in every language', () => {
    for (const locale of LOCALES) {
      const missing = PROBLEM_CODES.filter((code) => !Object.hasOwn(dictionaries[locale], `flowchart.problem.${code}`));
      expect(missing, locale).toEqual([]);
    }
  });

  it('has no key for a code the catalogue does not know', () => {
    const codes = new Set<string>(PROBLEM_CODES);
    const stale = Object.keys(dictionaries.en)
      .filter((key) => key.startsWith('flowchart.problem.'))
      .map((key) => key.slice('flowchart.problem.'.length).split('.')[0]!)
      .filter((code) => !codes.has(code));
    expect(stale).toEqual([]);
  });
});
