import { describe, expect, it } from 'vitest';
import { parseLabelDelivery } from './delivery.ts';
import { ITEMS, SAMPLES, TARGETS } from './testing.ts';
import type { DeliveryFormat } from './types.ts';

describe('parseLabelDelivery, aip', () => {
  it('reads manifest-style entries, as a list or under "items", keyed by item id', () => {
    const entries = [
      { path: 'images/cat/a.png', ...SAMPLES.detection[0] },
      { path: 'images/dog/b.png', width: 64, height: 48, split: 'val', boxes: [{ x1: 1.001, y1: 1, x2: 5, y2: 5, label: 'dog' }] },
    ];
    const expected = new Map([
      ['i1', SAMPLES.detection[0]],
      ['i2', { boxes: [{ x1: 1, y1: 1, x2: 5, y2: 5, label: 'dog' }] }],
    ]);
    expect(parseLabelDelivery('aip', entries, ITEMS, TARGETS.detection)).toEqual({ labels: expected, problems: [] });
    expect(parseLabelDelivery('aip', { items: entries }, ITEMS, TARGETS.detection)).toEqual({ labels: expected, problems: [] });
  });

  it('leaves items the delivery does not mention out of the map', () => {
    const { labels } = parseLabelDelivery('aip', [{ path: 'images/dog/b.png', text: 'hi' }], ITEMS, TARGETS.text_recognition);
    expect([...labels.keys()]).toEqual(['i2']);
  });

  it('refuses the whole delivery for one problem anywhere', () => {
    const entries = [
      { path: 'images/cat/a.png', class: 'cat' },
      { path: 'images/dog/b.png', class: 'bird' },
    ];
    expect(parseLabelDelivery('aip', entries, ITEMS, TARGETS.classification)).toEqual({
      labels: new Map(),
      problems: [{ item: 'images/dog/b.png', message: 'images/dog/b.png: the class "bird" is not one of this job\'s classes ("cat", "dog").' }],
    });
  });

  it('refuses unknown items, items labeled twice, another image size and malformed entries', () => {
    const entries = [
      { path: 'images/cat/zzz.png', class: 'cat' },
      { path: 'images/cat/a.png', class: 'cat' },
      { path: 'images/cat/a.png', class: 'dog' },
      { path: 'images/dog/b.png', width: 640, class: 'dog' },
      { class: 'cat' },
      'images/cat/same.png',
    ];
    expect(parseLabelDelivery('aip', entries, ITEMS, TARGETS.classification).problems).toEqual([
      { item: 'images/cat/zzz.png', message: 'The delivery\'s entry 1 labels "images/cat/zzz.png", which is not an item of this job.' },
      { item: 'images/cat/a.png', message: 'images/cat/a.png is labeled twice in this delivery (entry 2 and entry 3); keep only one of them.' },
      {
        item: 'images/dog/b.png',
        message: 'images/dog/b.png: the delivery says the image is 640x48 pixels, but the item is 64x48; are these labels for another image?',
      },
      { message: 'The delivery\'s entry 5 has no "path" naming the item it labels.' },
      { message: 'The delivery\'s entry 6 must be an object such as {"path": "images/a.png", "class": "cat"}, but it is the text "images/cat/same.png".' },
    ]);
  });

  it('refuses a payload of the wrong shape and an unknown format', () => {
    for (const payload of [null, 'x', { entries: [] }, 42]) {
      const result = parseLabelDelivery('aip', payload, ITEMS, TARGETS.detection);
      expect(result.labels.size).toBe(0);
      expect(result.problems).toEqual([{ message: expect.stringMatching(/^An "aip" delivery must be a list of entries/) }]);
    }
    expect(parseLabelDelivery('csv' as DeliveryFormat, [], ITEMS, TARGETS.detection).problems).toEqual([
      { message: 'The delivery format "csv" is unknown; it must be one of aip, coco, label-studio.' },
    ]);
  });
});
