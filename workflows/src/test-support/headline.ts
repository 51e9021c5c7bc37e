/**
 * The headline flowchart used across tests: a shapes dataset whose boxes carry fine labels, a
 * detector of coarse classes, and one classifier per coarse class.
 */
import type { Flowchart } from '../flowchart.ts';
import type { FlowchartContext } from '../context.ts';

export function headlineFlowchart(): Flowchart {
  return {
    nodes: [
      { id: 'shapes', type: 'dataset', position: { x: 0, y: 0 }, data: { datasetId: 'ds-shapes', label: 'Shapes' } },
      {
        id: 'detect',
        type: 'detection',
        position: { x: 200, y: 0 },
        data: { label: 'Detect shapes', classes: ['round', 'angular'], epochs: 3 },
      },
      {
        id: 'round-kind',
        type: 'classification',
        position: { x: 400, y: -100 },
        data: { classes: ['circle', 'ring'], parentClass: 'round' },
      },
      {
        id: 'angular-kind',
        type: 'classification',
        position: { x: 400, y: 100 },
        data: { classes: ['square', 'triangle'], parentClass: 'angular', arch: 'resnet18', visibility: 'public' },
      },
    ],
    edges: [
      { id: 'e-shapes-detect', source: 'shapes', target: 'detect' },
      { id: 'e-detect-round', source: 'detect', target: 'round-kind' },
      { id: 'e-detect-angular', source: 'detect', target: 'angular-kind' },
    ],
  };
}

export function headlineContext(): FlowchartContext {
  return {
    datasets: {
      'ds-shapes': { format: 'detection', classes: ['circle', 'ring', 'square', 'triangle'], status: 'ready', name: 'Shapes' },
      'ds-pets': { format: 'classification', classes: ['cat', 'dog'], status: 'ready', name: 'Pets' },
      'ds-uploading': { format: 'detection', classes: [], status: 'validating', name: 'Fresh upload' },
    },
    models: {
      'm-det': { task: 'detection', classes: ['round', 'angular'], arch: 'tiny_det', name: 'Shape detector v1' },
      'm-cls': { task: 'classification', classes: ['circle', 'ring'], arch: 'tiny_cnn', name: 'Round kinds v1' },
    },
  };
}
