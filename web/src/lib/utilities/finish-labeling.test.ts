import { describe, expect, it } from 'vitest';
import { finishLabeling, labeledPercent, unlabeledLeft } from './finish-labeling.ts';

const left = (count: number) => Object.assign(new Error(`${count} items are not labeled yet`), { code: 'unlabeled_items_left', status: 409 });

describe('finishLabeling', () => {
  it('completes at once when every item is labeled', async () => {
    const calls: boolean[] = [];
    const outcome = await finishLabeling({ complete: async (force) => calls.push(force), confirm: async () => false, fallbackLeft: 0 });
    expect(outcome).toBe('completed');
    expect(calls).toEqual([false]);
  });

  it('asks with the count left, and forces on a yes', async () => {
    const calls: boolean[] = [];
    const asked: number[] = [];
    const outcome = await finishLabeling({
      complete: async (force) => {
        calls.push(force);
        if (!force) throw left(7);
      },
      confirm: async (count) => {
        asked.push(count);
        return true;
      },
      fallbackLeft: 3,
    });
    expect(outcome).toBe('completed');
    expect(asked).toEqual([7]);
    expect(calls).toEqual([false, true]);
  });

  it('keeps the job open on a no', async () => {
    const calls: boolean[] = [];
    const outcome = await finishLabeling({
      complete: async (force) => {
        calls.push(force);
        throw left(2);
      },
      confirm: async () => false,
      fallbackLeft: 0,
    });
    expect(outcome).toBe('kept');
    expect(calls).toEqual([false]);
  });

  it('throws any other failure', async () => {
    const closed = Object.assign(new Error('closed'), { code: 'job_closed' });
    await expect(finishLabeling({ complete: async () => Promise.reject(closed), confirm: async () => true, fallbackLeft: 0 })).rejects.toBe(closed);
  });
});

describe('unlabeledLeft', () => {
  it('reads the count from the answer, else takes the fallback', () => {
    expect(unlabeledLeft({ code: 'unlabeled_items_left', message: '12 of 40 items have no labels' }, 5)).toBe(12);
    expect(unlabeledLeft({ code: 'unlabeled_items_left', message: 'some items have no labels', problems: [{ message: '4 left', left: 4, total: 9 }] }, 5)).toBe(4);
    expect(unlabeledLeft({ code: 'unlabeled_items_left', message: 'some items have no labels' }, 5)).toBe(5);
    expect(unlabeledLeft(null, -1)).toBe(0);
  });
});

describe('labeledPercent', () => {
  it('is a whole percent that reaches 100 only when all are labeled', () => {
    expect(labeledPercent(0, 0)).toBe(0);
    expect(labeledPercent(1, 3)).toBe(33);
    expect(labeledPercent(199, 200)).toBe(99);
    expect(labeledPercent(200, 200)).toBe(100);
  });
});
