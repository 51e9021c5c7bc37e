import { describe, expect, it } from 'vitest';
import { interpolate } from './interpolate.ts';
import { hoursAndMinutes, usageLines, type Usage, type UsageKey } from './user-usage.ts';

const words: Record<UsageKey, string> = {
  'usage.data': '{datasets} datasets, {images} images',
  'usage.runs': '{flowcharts} flowcharts, {runs} runs',
  'usage.runsActive': '{flowcharts} flowcharts, {runs} runs ({active} active)',
  'usage.models': '{models} models',
  'usage.modelsPublic': '{models} models, {shared} shared',
  'usage.time': 'stages {h} h {m} min, bundles {size}',
  'usage.timeMinutes': 'stages {m} min, bundles {size}',
  'usage.nothing': 'nothing yet',
};
const t = (key: UsageKey, params?: Record<string, string | number>) => interpolate(words[key], params);

const none: Usage = { datasets: 0, images: 0, flowcharts: 0, runs: 0, activeRuns: 0, models: 0, publicThings: 0, stageHours: 0, bundleBytes: 0 };

describe('hoursAndMinutes', () => {
  it('splits hours into whole hours and minutes', () => {
    expect(hoursAndMinutes(2.5)).toEqual({ h: 2, m: 30 });
    expect(hoursAndMinutes(0.01)).toEqual({ h: 0, m: 1 });
    expect(hoursAndMinutes(0)).toEqual({ h: 0, m: 0 });
    expect(hoursAndMinutes(1.999)).toEqual({ h: 2, m: 0 });
    expect(hoursAndMinutes(-1)).toEqual({ h: 0, m: 0 });
  });
});

describe('usageLines', () => {
  it('says so when a user has made nothing', () => {
    expect(usageLines(none, 'en', t)).toEqual(['nothing yet']);
  });
  it('lists data, runs, models, stage time and bundle storage', () => {
    const usage = { ...none, datasets: 2, images: 12345, flowcharts: 1, runs: 3, models: 4, stageHours: 1.25, bundleBytes: 3 * 1024 ** 2 };
    expect(usageLines(usage, 'en', t)).toEqual([
      '2 datasets, 12,345 images',
      '1 flowcharts, 3 runs',
      '4 models',
      'stages 1 h 15 min, bundles 3.0 MB',
    ]);
  });
  it('mentions active runs and shared things only when there are some', () => {
    const lines = usageLines({ ...none, runs: 5, activeRuns: 1, models: 2, publicThings: 3 }, 'en', t);
    expect(lines[1]).toBe('0 flowcharts, 5 runs (1 active)');
    expect(lines[2]).toBe('2 models, 3 shared');
    expect(lines[3]).toBe('stages 0 min, bundles 0 B');
  });
});
