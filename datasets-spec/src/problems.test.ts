import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DATASET_FORMATS } from './manifest.ts';
import { DatasetError, PROBLEM_CODES, describeProblem } from './problems.ts';

const SRC = path.dirname(fileURLToPath(import.meta.url));

/** The package's source files, tests left out. */
async function sourceFiles(): Promise<string[]> {
  const entries = await readdir(SRC, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && e.name !== 'problems.ts')
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every quoted snake_case word in the sources: problem codes are the only such strings, besides format names. */
async function codesUsed(): Promise<Set<string>> {
  const used = new Set<string>();
  for (const file of await sourceFiles()) {
    for (const match of (await readFile(file, 'utf8')).matchAll(/'([a-z][a-z0-9]*(?:_[a-z0-9]+)+)'/g)) used.add(match[1]!);
  }
  for (const format of DATASET_FORMATS) used.delete(format);
  return used;
}

describe('PROBLEM_CODES', () => {
  it('lists every code the package uses, and each once, in snake_case', async () => {
    const used = await codesUsed();
    expect(used.size).toBeGreaterThan(40);
    expect([...used].filter((code) => !(PROBLEM_CODES as readonly string[]).includes(code))).toEqual([]);
    expect(new Set(PROBLEM_CODES).size).toBe(PROBLEM_CODES.length);
    for (const code of PROBLEM_CODES) expect(code).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/);
  });

  it('has no code nothing uses (upload_failed is written by the API)', async () => {
    const used = await codesUsed();
    expect(PROBLEM_CODES.filter((code) => !used.has(code))).toEqual(['upload_failed']);
  });
});

describe('describeProblem', () => {
  it('names the file and line, or the upload', () => {
    expect(describeProblem({ file: 'label.txt', line: 3, code: 'label_object_no_label', message: 'No label.' })).toBe('label.txt, line 3: No label.');
    expect(describeProblem({ file: '', code: 'zip_empty', message: 'Empty.' })).toBe('upload: Empty.');
    expect(new DatasetError([{ file: '', code: 'zip_empty', message: 'Empty.' }]).message).toBe('The dataset was refused: 1 problem. upload: Empty.');
  });
});
