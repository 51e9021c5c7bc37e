import { describe, expect, it } from 'vitest';
import { formatDuration, timelineSteps } from './stage-timeline.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const t0 = Date.parse(at(0));

describe('timelineSteps', () => {
  it('measures each state until the next, and the current one until now', () => {
    const steps = timelineSteps(
      [
        { state: 'preparing', at: at(0) },
        { state: 'training', at: at(4) },
      ],
      t0 + 10_000,
    );
    expect(steps.map((s) => [s.state, s.durationMs, s.current])).toEqual([
      ['preparing', 4000, false],
      ['training', 6000, true],
    ]);
  });

  it('stops the clock at a final state and keeps a failure’s message', () => {
    const steps = timelineSteps(
      [
        { state: 'training', at: at(0) },
        { state: 'failed', at: at(7), message: 'out of memory' },
        { state: 'bogus', at: 'not a date' },
      ],
      t0 + 60_000,
    );
    expect(steps.map((s) => [s.state, s.durationMs, s.current, s.message])).toEqual([
      ['training', 7000, false, null],
      ['failed', 0, false, 'out of memory'],
    ]);
  });
});

describe('formatDuration', () => {
  const t = (key: string, params: Record<string, number>) => `${key}:${Object.values(params).join(',')}`;
  it('uses seconds, then minutes and seconds, then hours and minutes', () => {
    expect(formatDuration(400, t)).toBe('duration.seconds:0');
    expect(formatDuration(59_400, t)).toBe('duration.seconds:59');
    expect(formatDuration(200_000, t)).toBe('duration.minutes:3,20');
    expect(formatDuration(3_900_000, t)).toBe('duration.hours:1,5');
    expect(formatDuration(-5, t)).toBe('duration.seconds:0');
  });
});
