/** The dataset summary the ingest stores as `stats` (datasets-spec's DatasetInfo), read defensively. */
export interface DatasetStats {
  images: number;
  splits: { train: number; val: number; test: number };
  classCounts: Record<string, number>;
}

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** `stats` is free-form JSON in the API schema: anything missing reads as 0 / empty, never throws. */
export function datasetStats(stats: unknown): DatasetStats | null {
  if (typeof stats !== 'object' || stats === null) return null;
  const s = stats as { images?: unknown; splits?: Record<string, unknown>; classCounts?: Record<string, unknown> };
  const classCounts: Record<string, number> = {};
  for (const [label, value] of Object.entries(s.classCounts ?? {})) classCounts[label] = count(value);
  return {
    images: count(s.images),
    splits: { train: count(s.splits?.train), val: count(s.splits?.val), test: count(s.splits?.test) },
    classCounts,
  };
}
