import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** A JSON document (pipeline.json, model.json) that does not match its contract. */
export class SpecError extends Error {
  readonly problems: string[];
  constructor(where: string, problems: string[]) {
    super(`${where} is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SpecError';
    this.problems = problems;
  }
}

/**
 * Check `value` against `schema` and return it typed, or throw a SpecError listing every
 * mismatch with its JSON path (e.g. `/stages/1/inputSize: Expected array`).
 */
export function checkSchema<T extends TSchema>(schema: T, value: unknown, where: string): Static<T> {
  if (Value.Check(schema, value)) return value;
  const problems = [...Value.Errors(schema, value)].map((e) => `${e.path || '/'}: ${e.message}`);
  throw new SpecError(where, dedupe(problems));
}

function dedupe(items: string[]): string[] {
  return [...new Set(items)];
}
