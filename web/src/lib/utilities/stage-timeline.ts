/**
 * A stage's timeline as the stage page draws it: each state it entered, when, and for how long it
 * stayed (until the next state, or until now for the state it is still in).
 */

export interface TimelineEntry {
  state: string;
  at: string;
  message?: string;
}

export interface TimelineStep {
  state: string;
  startedAt: number;
  /** Milliseconds in this state; still growing for the current state of an unfinished stage. */
  durationMs: number;
  current: boolean;
  message: string | null;
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'skipped']);

export function timelineSteps(entries: readonly TimelineEntry[], now: number): TimelineStep[] {
  const valid = entries.filter((e) => Number.isFinite(Date.parse(e.at)));
  return valid.map((entry, i) => {
    const startedAt = Date.parse(entry.at);
    const last = i === valid.length - 1;
    const end = last ? (FINAL.has(entry.state) ? startedAt : now) : Date.parse(valid[i + 1]!.at);
    return {
      state: entry.state,
      startedAt,
      durationMs: Math.max(0, end - startedAt),
      current: last && !FINAL.has(entry.state),
      message: entry.message ?? null,
    };
  });
}

type Translate = (key: 'duration.seconds' | 'duration.minutes' | 'duration.hours', params: Record<string, number>) => string;

/** 4 s, 3 min 20 s, 1 h 5 min: the precision a person reading a training timeline wants. */
export function formatDuration(ms: number, t: Translate): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return t('duration.seconds', { s: seconds });
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t('duration.minutes', { m: minutes, s: seconds % 60 });
  return t('duration.hours', { h: Math.floor(minutes / 60), m: minutes % 60 });
}
