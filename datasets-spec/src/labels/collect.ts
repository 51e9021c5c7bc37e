/**
 * What every delivery format shares: finding the job's item a record speaks of, and gathering the
 * checked labels so that one problem anywhere refuses the whole delivery (nothing half applied).
 */
import { checkItemLabels } from './check.ts';
import type { ItemLabels, LabelItemRef, LabelProblem, LabelingTarget } from './types.ts';

/** The last segment of a path or URL path; `\` counts as a separator (file names written on Windows). */
export function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}

/** The job's items by id, by path, and by file name where that name is unique among them. */
export class ItemIndex {
  private readonly ids = new Map<string, LabelItemRef>();
  private readonly paths = new Map<string, LabelItemRef>();
  /** null: several items share the file name (`cat/1.png`, `dog/1.png`), so the name alone decides nothing. */
  private readonly names = new Map<string, LabelItemRef | null>();

  constructor(items: readonly LabelItemRef[]) {
    for (const item of items) {
      this.ids.set(item.id, item);
      this.paths.set(item.path, item);
      const name = baseName(item.path);
      this.names.set(name, this.names.has(name) ? null : item);
    }
  }

  byId(id: string): LabelItemRef | undefined {
    return this.ids.get(id);
  }

  byPath(path: string): LabelItemRef | undefined {
    return this.paths.get(path);
  }

  /** Only when exactly one item has this file name. */
  byFileName(name: string): LabelItemRef | undefined {
    return this.names.get(name) ?? undefined;
  }
}

export interface DeliveryResult {
  labels: Map<string, ItemLabels>;
  problems: LabelProblem[];
}

/** Checks each item's labels as they are read and keeps them only if the whole delivery is clean. */
export class DeliveryCollector {
  private readonly labels = new Map<string, ItemLabels>();
  private readonly problems: LabelProblem[] = [];
  /** Where each item was labeled, to name both places when a delivery labels an item twice. */
  private readonly sources = new Map<string, string>();

  constructor(private readonly target: LabelingTarget) {}

  problem(message: string, item?: string): void {
    this.problems.push(item === undefined ? { message } : { item, message });
  }

  /** `raw`: the item's labels as the format gave them, checked here; `source` names the record in messages. */
  add(item: LabelItemRef, raw: unknown, source: string): void {
    const previous = this.sources.get(item.id);
    if (previous !== undefined) {
      this.problem(`${item.path} is labeled twice in this delivery (${previous} and ${source}); keep only one of them.`, item.path);
      return;
    }
    this.sources.set(item.id, source);
    const checked = checkItemLabels(raw, item, this.target);
    if (checked.labels === undefined) this.problems.push(...checked.problems);
    else this.labels.set(item.id, checked.labels);
  }

  result(): DeliveryResult {
    return this.problems.length > 0 ? { labels: new Map(), problems: this.problems } : { labels: this.labels, problems: [] };
  }
}
