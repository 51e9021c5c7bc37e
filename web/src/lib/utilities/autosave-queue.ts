/**
 * Autosave of a labeler: every change of an item's labels is saved (PUT with the item's version)
 * after a short pause, so a drag or a burst of key presses makes one request; one save per item is
 * in flight at a time, and a change made meanwhile is saved after it with the new version. A
 * `409 item_changed` (someone else saved the item since) drops this change and reloads the item as
 * the server has it; any other failure keeps the change for `retry()`.
 *
 * Not tied to Svelte: the page mirrors `summary()` into its state from `onChange`.
 */

export type SaveState = 'pending' | 'saving' | 'saved' | 'error' | 'conflict';

export interface Versioned {
  version: number;
}

export interface AutosaveOptions<L, I extends Versioned> {
  /** Saves one item's labels; resolves to the item as saved (its new version). */
  save(itemId: string, labels: L, version: number): Promise<I>;
  /** Whether a failure of `save` means the item changed on the server (409 item_changed). */
  isConflict(failure: unknown): boolean;
  /** The item as the server has it after a conflict (from the 409's body, or fetched again); null when unknown. */
  reload(itemId: string, failure: unknown): Promise<I | null>;
  /** An item was saved. */
  onSaved?(itemId: string, item: I): void;
  /** An item was replaced by the server's after a conflict. */
  onReloaded?(itemId: string, item: I): void;
  /** Any item's state changed. */
  onChange?(): void;
  /** How long to wait after the last change before saving, in ms. */
  delayMs?: number;
}

interface Entry<L> {
  version: number;
  pending: { labels: L } | null;
  timer: ReturnType<typeof setTimeout> | null;
  inFlight: Promise<void> | null;
  state: SaveState;
  failure: unknown;
  /** Saved by this queue at least once (a merely tracked item is not news). */
  saved: boolean;
}

export interface AutosaveSummary {
  /** `idle`: nothing changed yet; the worst state of any item otherwise. */
  state: 'idle' | SaveState;
  /** Items with a change not yet on the server. */
  unsaved: number;
  /** The last failure of an item in `error` or `conflict`. */
  failure: unknown;
}

export const AUTOSAVE_DELAY_MS = 600;

export class AutosaveQueue<L, I extends Versioned> {
  private readonly entries = new Map<string, Entry<L>>();
  private readonly delay: number;

  constructor(private readonly options: AutosaveOptions<L, I>) {
    this.delay = options.delayMs ?? AUTOSAVE_DELAY_MS;
  }

  /** Tells the queue an item's current version (when it is loaded or reloaded), unless a save of it is under way. */
  track(itemId: string, version: number): void {
    const entry = this.entries.get(itemId);
    if (!entry) this.entries.set(itemId, { version, pending: null, timer: null, inFlight: null, state: 'saved', failure: null, saved: false });
    else if (!entry.pending && !entry.inFlight) entry.version = version;
  }

  /** An item's labels changed: saved after the pause (replacing any change not saved yet). */
  change(itemId: string, labels: L): void {
    const entry = this.entry(itemId);
    entry.pending = { labels };
    entry.state = entry.inFlight ? 'saving' : 'pending';
    entry.failure = null;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void this.run(itemId), this.delay);
    this.options.onChange?.();
  }

  /** Saves now what is waiting (one item, or every item), and resolves when it is on the server or failed. */
  async flush(itemId?: string): Promise<void> {
    const ids = itemId === undefined ? [...this.entries.keys()] : [itemId];
    await Promise.all(ids.map((id) => this.run(id)));
  }

  /** Saves again the changes whose save failed. */
  async retry(): Promise<void> {
    const failed = [...this.entries].filter(([, entry]) => entry.state === 'error').map(([id]) => id);
    await Promise.all(failed.map((id) => this.run(id)));
  }

  /** The person has read about the conflicts: they no longer count in the summary. */
  acknowledge(): void {
    for (const entry of this.entries.values()) {
      if (entry.state !== 'conflict') continue;
      entry.state = 'saved';
      entry.failure = null;
    }
    this.options.onChange?.();
  }

  state(itemId: string): SaveState | null {
    return this.entries.get(itemId)?.state ?? null;
  }

  /** Whether some change is not on the server yet (waiting, being saved, or failed). */
  get dirty(): boolean {
    return [...this.entries.values()].some((entry) => entry.pending !== null || entry.inFlight !== null);
  }

  summary(): AutosaveSummary {
    const entries = [...this.entries.values()];
    const unsaved = entries.filter((entry) => entry.pending !== null || entry.inFlight !== null).length;
    const worst = (['error', 'conflict', 'saving', 'pending'] as const).find((state) => entries.some((entry) => entry.state === state));
    const failing = entries.filter((entry) => entry.state === 'error' || entry.state === 'conflict').at(-1);
    const anySaved = entries.some((entry) => entry.saved);
    return { state: worst ?? (anySaved ? 'saved' : 'idle'), unsaved, failure: failing?.failure ?? null };
  }

  /** Stops the timers (the page is going); what was not flushed is not saved. */
  dispose(): void {
    for (const entry of this.entries.values()) if (entry.timer) clearTimeout(entry.timer);
  }

  private entry(itemId: string): Entry<L> {
    let entry = this.entries.get(itemId);
    if (!entry) {
      entry = { version: 0, pending: null, timer: null, inFlight: null, state: 'saved', failure: null, saved: false };
      this.entries.set(itemId, entry);
    }
    return entry;
  }

  private async run(itemId: string): Promise<void> {
    const entry = this.entries.get(itemId);
    if (!entry) return;
    if (entry.timer) {
      clearTimeout(entry.timer);
      entry.timer = null;
    }
    // One save per item at a time: a change made during a save goes after it, with its new version.
    while (entry.inFlight) await entry.inFlight;
    if (!entry.pending) return;
    const { labels } = entry.pending;
    entry.pending = null;
    entry.state = 'saving';
    this.options.onChange?.();
    entry.inFlight = this.save(itemId, entry, labels);
    try {
      await entry.inFlight;
    } finally {
      entry.inFlight = null;
      this.options.onChange?.();
    }
    // (`save` may have set the state meanwhile.)
    if (entry.pending && (entry.state as SaveState) !== 'error' && !entry.timer) await this.run(itemId);
  }

  private async save(itemId: string, entry: Entry<L>, labels: L): Promise<void> {
    try {
      const item = await this.options.save(itemId, labels, entry.version);
      entry.version = item.version;
      entry.saved = true;
      if (!entry.pending) entry.state = 'saved';
      this.options.onSaved?.(itemId, item);
    } catch (failure) {
      if (this.options.isConflict(failure)) {
        // Someone saved the item since it was loaded: theirs wins, this change (and any after it) goes.
        entry.pending = null;
        if (entry.timer) clearTimeout(entry.timer);
        entry.timer = null;
        entry.state = 'conflict';
        entry.failure = failure;
        const current = await this.options.reload(itemId, failure).catch(() => null);
        if (current) {
          entry.version = current.version;
          this.options.onReloaded?.(itemId, current);
        }
      } else {
        // Kept for retry(), unless a newer change replaced it meanwhile.
        entry.pending ??= { labels };
        entry.state = 'error';
        entry.failure = failure;
      }
    }
  }
}
