/** The trainer's stdout protocol (docs/contracts.md, "Job spec"): one JSON event per line. */
export type TrainerEvent =
  | { event: 'start'; epochs: number; device: string; trainImages?: number; valImages?: number }
  | { event: 'resume'; epoch: number }
  | {
      event: 'progress';
      epoch: number;
      epochs: number;
      step: number;
      steps: number;
      loss?: number;
      etaSeconds?: number;
    }
  | {
      event: 'epoch';
      epoch: number;
      epochs: number;
      loss?: number;
      metric?: number;
      metricName?: string;
      best?: boolean;
    }
  | { event: 'done'; metrics: Record<string, unknown> }
  | { event: 'error'; message: string; userError?: boolean };

/** Parses one stdout line; anything that is not a JSON event is returned as null (treated as log). */
export function parseTrainerEvent(line: string): TrainerEvent | null {
  const text = line.trim();
  if (!text.startsWith('{')) return null;
  try {
    const value = JSON.parse(text) as { event?: unknown };
    return typeof value.event === 'string' ? (value as TrainerEvent) : null;
  } catch {
    return null;
  }
}

/** Overall fraction done (0..1) implied by an event, if it says anything about it. */
export function progressOf(event: TrainerEvent): number | undefined {
  switch (event.event) {
    case 'progress':
      return event.epochs > 0
        ? Math.min(1, (event.epoch - 1 + (event.steps > 0 ? event.step / event.steps : 0)) / event.epochs)
        : undefined;
    case 'epoch':
      return event.epochs > 0 ? Math.min(1, event.epoch / event.epochs) : undefined;
    case 'done':
      return 1;
    default:
      return undefined;
  }
}
