import { describe, expect, it } from 'vitest';
import { KIND_COLORS, NEUTRAL_COLORS, RUN_STATUSES, STAGE_KINDS, STAGE_STATES, runStatusKind, stageColors, stageKind } from './stage-kind.ts';

describe('stageKind', () => {
  it('puts each stage state in one of the visual kinds', () => {
    expect(Object.fromEntries(STAGE_STATES.map((s) => [s, stageKind(s)]))).toEqual({
      pending: 'pending',
      preparing: 'running',
      awaiting_labels: 'attention',
      training: 'running',
      evaluating: 'running',
      registering: 'running',
      succeeded: 'done',
      failed: 'attention',
      cancelled: 'stopped',
      skipped: 'stopped',
    });
  });

  it('treats an unknown state as pending (never as an inherited object key)', () => {
    expect(stageKind('warming_up')).toBe('pending');
    expect(stageKind('constructor')).toBe('pending');
  });

  it('maps run statuses the same way', () => {
    expect(RUN_STATUSES.map(runStatusKind)).toEqual(['pending', 'running', 'attention', 'done', 'attention', 'stopped']);
    expect(runStatusKind('toString')).toBe('pending');
  });
});

describe('stage colours', () => {
  it('gives every kind its own fill and border', () => {
    const fills = new Set(STAGE_KINDS.map((k) => KIND_COLORS[k].fill));
    expect(fills.size).toBe(STAGE_KINDS.length);
    expect(KIND_COLORS.done.stroke).toBe('#1d7a46');
  });

  it('is neutral without a state, and follows the kind otherwise', () => {
    expect(stageColors(null)).toBe(NEUTRAL_COLORS);
    expect(stageColors(undefined)).toBe(NEUTRAL_COLORS);
    expect(stageColors('training')).toBe(KIND_COLORS.running);
    expect(stageColors('awaiting_labels')).toBe(KIND_COLORS.attention);
  });
});
