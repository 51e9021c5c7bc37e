import { Ajv } from 'ajv';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as api from './index.ts';
import { headlineFlowchart } from './test-support/headline.ts';

describe('@aip/workflows entry point', () => {
  it('bundles for the browser without Temporal or Node built-ins', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./index.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => i.includes('@temporalio') || i.startsWith('node:'))).toEqual([]);
    expect(inputs.some((i) => i.includes('@sinclair/typebox'))).toBe(true);
  });

  it('exports the schema, validator, compiler and architectures', () => {
    expect(Object.keys(api).sort()).toEqual(
      expect.arrayContaining(['FlowchartSchema', 'validateFlowchart', 'compileFlowchart', 'FlowchartInvalidError', 'ARCHITECTURES', 'TASK_TYPES']),
    );
    expect(api.FlowchartSchema.title).toBe('Flowchart');
  });

  it('is plain JSON Schema that Ajv accepts in strict mode (as Fastify compiles route schemas)', () => {
    const validate = new Ajv({ strict: true }).compile(api.FlowchartSchema);
    expect(validate(headlineFlowchart())).toBe(true);
    expect(validate({ nodes: [{ id: 'a', type: 'detection', position: { x: 0, y: 0 }, data: { epochs: 0 } }], edges: [] })).toBe(false);
  });
});
