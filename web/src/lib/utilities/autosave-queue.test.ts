import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AutosaveQueue } from './autosave-queue.ts';

interface Item {
  id: string;
  labels: string;
  version: number;
}

class Conflict extends Error {
  constructor(readonly current: Item) {
    super('item_changed');
  }
}

/** A fake server: one item store, saves checked against the version like the API does. */
function server() {
  const items = new Map<string, Item>([
    ['a', { id: 'a', labels: '', version: 1 }],
    ['b', { id: 'b', labels: '', version: 1 }],
  ]);
  const calls: { id: string; labels: string; version: number }[] = [];
  let failNext: Error | null = null;
  let release: (() => void) | null = null;
  let hold = false;
  const save = async (id: string, labels: string, version: number): Promise<Item> => {
    calls.push({ id, labels, version });
    if (hold) await new Promise<void>((resolve) => (release = resolve));
    if (failNext) {
      const failure = failNext;
      failNext = null;
      throw failure;
    }
    const item = items.get(id)!;
    if (item.version !== version) throw new Conflict({ ...item });
    const saved = { id, labels, version: version + 1 };
    items.set(id, saved);
    return saved;
  };
  return {
    items,
    calls,
    save,
    failOnce: (error: Error) => (failNext = error),
    holdSaves: (on: boolean) => (hold = on),
    releaseSave: () => release?.(),
    /** Someone else saves an item. */
    otherSaves: (id: string, labels: string) => {
      const item = items.get(id)!;
      items.set(id, { id, labels, version: item.version + 1 });
    },
  };
}

function queueFor(fake: ReturnType<typeof server>) {
  const reloaded: Item[] = [];
  const saved: Item[] = [];
  const queue = new AutosaveQueue<string, Item>({
    save: fake.save,
    isConflict: (failure) => failure instanceof Conflict,
    reload: async (_id, failure) => (failure as Conflict).current,
    onSaved: (_id, item) => saved.push(item),
    onReloaded: (_id, item) => reloaded.push(item),
    delayMs: 500,
  });
  queue.track('a', 1);
  queue.track('b', 1);
  return { queue, reloaded, saved };
}

describe('AutosaveQueue', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('saves a burst of changes to one item once, after the pause, with the item’s version', async () => {
    const fake = server();
    const { queue, saved } = queueFor(fake);
    expect(queue.summary().state).toBe('idle');
    queue.change('a', 'x');
    await vi.advanceTimersByTimeAsync(300);
    queue.change('a', 'xy');
    expect(queue.summary()).toMatchObject({ state: 'pending', unsaved: 1 });
    await vi.advanceTimersByTimeAsync(300);
    expect(fake.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(300);
    expect(fake.calls).toEqual([{ id: 'a', labels: 'xy', version: 1 }]);
    expect(saved).toEqual([{ id: 'a', labels: 'xy', version: 2 }]);
    expect(queue.summary()).toMatchObject({ state: 'saved', unsaved: 0 });
    expect(queue.dirty).toBe(false);
  });

  it('saves each item on its own', async () => {
    const fake = server();
    const { queue } = queueFor(fake);
    queue.change('a', 'x');
    queue.change('b', 'y');
    await vi.advanceTimersByTimeAsync(600);
    expect(fake.calls.map((c) => c.id).sort()).toEqual(['a', 'b']);
  });

  it('saves a change made during a save after it, with the new version', async () => {
    const fake = server();
    const { queue } = queueFor(fake);
    fake.holdSaves(true);
    queue.change('a', 'first');
    await vi.advanceTimersByTimeAsync(600);
    expect(queue.state('a')).toBe('saving');
    queue.change('a', 'second');
    await vi.advanceTimersByTimeAsync(600);
    // Still one request: the second waits for the first.
    expect(fake.calls).toHaveLength(1);
    fake.holdSaves(false);
    fake.releaseSave();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.calls).toEqual([
      { id: 'a', labels: 'first', version: 1 },
      { id: 'a', labels: 'second', version: 2 },
    ]);
    expect(fake.items.get('a')).toEqual({ id: 'a', labels: 'second', version: 3 });
    expect(queue.state('a')).toBe('saved');
  });

  it('flushes at once', async () => {
    const fake = server();
    const { queue } = queueFor(fake);
    queue.change('a', 'now');
    await queue.flush();
    expect(fake.calls).toEqual([{ id: 'a', labels: 'now', version: 1 }]);
    // Nothing left for the timer to do.
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.calls).toHaveLength(1);
  });

  it('on 409 item_changed drops the change and reloads the item as the server has it', async () => {
    const fake = server();
    const { queue, reloaded } = queueFor(fake);
    fake.otherSaves('a', 'theirs');
    queue.change('a', 'mine');
    await queue.flush('a');
    expect(fake.items.get('a')).toEqual({ id: 'a', labels: 'theirs', version: 2 });
    expect(reloaded).toEqual([{ id: 'a', labels: 'theirs', version: 2 }]);
    expect(queue.summary()).toMatchObject({ state: 'conflict', unsaved: 0 });
    expect(queue.summary().failure).toBeInstanceOf(Conflict);

    // The next change goes on from the server's version.
    queue.change('a', 'mine again');
    await queue.flush('a');
    expect(fake.items.get('a')).toEqual({ id: 'a', labels: 'mine again', version: 3 });
    expect(queue.summary().state).toBe('saved');
  });

  it('forgets a conflict once acknowledged', async () => {
    const fake = server();
    const { queue } = queueFor(fake);
    fake.otherSaves('b', 'theirs');
    queue.change('b', 'mine');
    await queue.flush();
    queue.acknowledge();
    expect(queue.summary().state).not.toBe('conflict');
  });

  it('keeps a change whose save failed for a retry', async () => {
    const fake = server();
    const { queue } = queueFor(fake);
    fake.failOnce(new Error('network'));
    queue.change('a', 'kept');
    await queue.flush();
    expect(queue.summary()).toMatchObject({ state: 'error', unsaved: 1 });
    expect(queue.dirty).toBe(true);
    await queue.retry();
    expect(fake.items.get('a')).toEqual({ id: 'a', labels: 'kept', version: 2 });
    expect(queue.summary()).toMatchObject({ state: 'saved', unsaved: 0 });
  });

  it('tracks a reloaded item’s version unless a save of it is under way', async () => {
    const fake = server();
    const { queue } = queueFor(fake);
    fake.otherSaves('a', 'theirs');
    queue.track('a', 2);
    queue.change('a', 'mine');
    await queue.flush();
    expect(fake.items.get('a')).toEqual({ id: 'a', labels: 'mine', version: 3 });
  });

  it('stops its timers when disposed', async () => {
    const fake = server();
    const { queue } = queueFor(fake);
    queue.change('a', 'never');
    queue.dispose();
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.calls).toEqual([]);
  });
});
