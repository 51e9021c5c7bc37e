import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES, defaultArchitecture, isTaskSupported } from './architectures.ts';
import { TASK_TYPES } from './flowchart.ts';

describe('architectures', () => {
  it('offers exactly the architectures the trainer job spec accepts, per task', async () => {
    // The trainer's JSON Schema is the other side of this contract (docs/contracts.md "Job spec").
    const schema = JSON.parse(await readFile(new URL('../../trainer/job-spec.schema.json', import.meta.url), 'utf8')) as {
      allOf: { if: { properties: { task?: { const: string } } }; then: { properties: { arch?: { enum: string[] } } } }[];
    };
    for (const rule of schema.allOf) {
      const task = rule.if.properties.task?.const;
      if (task === undefined) continue;
      expect(ARCHITECTURES[task as keyof typeof ARCHITECTURES].options.map((a) => a.id), task).toEqual(rule.then.properties.arch?.enum);
    }
  });

  it('has a listed default for every supported task and none for the others', () => {
    for (const task of TASK_TYPES) {
      const def = defaultArchitecture(task);
      if (isTaskSupported(task)) expect(ARCHITECTURES[task].options.map((a) => a.id)).toContain(def);
      else expect(def).toBeNull();
    }
    expect(TASK_TYPES.filter(isTaskSupported)).toEqual([...TASK_TYPES]);
  });
});
