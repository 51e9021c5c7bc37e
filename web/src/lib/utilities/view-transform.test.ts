import { describe, expect, it } from 'vitest';
import { clientToImage, fullView, imageToClient, MAX_ZOOM, panView, screenScale, screenToImageLength, viewBoxAttribute, zoomAt, zoomByShortcut, zoomOf, ZOOM_STEP } from './view-transform.ts';

const image = { width: 200, height: 100 };

describe('zoom', () => {
  it('starts with the whole image', () => {
    expect(fullView(image)).toEqual({ x: 0, y: 0, width: 200, height: 100 });
    expect(zoomOf(fullView(image), image)).toBe(1);
    expect(viewBoxAttribute(fullView(image))).toBe('0 0 200 100');
  });

  it('zooms by shortcut: in, out, back to the whole image; other actions leave it', () => {
    const zoomed = zoomByShortcut(fullView(image), image, 'zoomIn')!;
    expect(zoomOf(zoomed, image)).toBeCloseTo(ZOOM_STEP);
    expect(zoomOf(zoomByShortcut(zoomed, image, 'zoomOut')!, image)).toBeCloseTo(1);
    expect(zoomByShortcut(zoomed, image, 'zoomReset')).toEqual(fullView(image));
    expect(zoomByShortcut(zoomed, image, 'delete')).toBeUndefined();
  });

  it('zooms around the centre by default', () => {
    expect(zoomAt(fullView(image), image, 2)).toEqual({ x: 50, y: 25, width: 100, height: 50 });
  });

  it('keeps the anchor where it was on screen', () => {
    const view = zoomAt(fullView(image), image, 2, [40, 20]);
    expect(view).toEqual({ x: 20, y: 10, width: 100, height: 50 });
    // The anchor was at 20% across and 20% down, and still is.
    expect((40 - view.x) / view.width).toBeCloseTo(0.2);
  });

  it('stays between the whole image and the largest zoom, over the image', () => {
    expect(zoomAt(fullView(image), image, 0.5)).toEqual(fullView(image));
    expect(zoomOf(zoomAt(fullView(image), image, 1000), image)).toBe(MAX_ZOOM);
    expect(zoomAt(fullView(image), image, 2, [200, 100])).toEqual({ x: 100, y: 50, width: 100, height: 50 });
    // Zooming back out from a corner returns to the whole image.
    expect(zoomAt({ x: 100, y: 50, width: 100, height: 50 }, image, 0.5, [150, 75])).toEqual(fullView(image));
  });
});

describe('pan', () => {
  it('moves the view, never past the edges', () => {
    const view = { x: 50, y: 25, width: 100, height: 50 };
    expect(panView(view, image, 10, -5)).toEqual({ x: 60, y: 20, width: 100, height: 50 });
    expect(panView(view, image, 500, 500)).toEqual({ x: 100, y: 50, width: 100, height: 50 });
    expect(panView(fullView(image), image, 10, 10)).toEqual(fullView(image));
  });
});

describe('screen and image pixels', () => {
  const rect = { left: 100, top: 50, width: 400, height: 200 };

  it('map both ways at zoom 1', () => {
    expect(clientToImage([100, 50], rect, fullView(image))).toEqual([0, 0]);
    expect(clientToImage([300, 150], rect, fullView(image))).toEqual([100, 50]);
    expect(imageToClient([100, 50], rect, fullView(image))).toEqual([300, 150]);
    expect(screenToImageLength(8, rect, fullView(image))).toBe(4);
  });

  it('map both ways when zoomed', () => {
    const view = { x: 50, y: 25, width: 100, height: 50 };
    expect(clientToImage([100, 50], rect, view)).toEqual([50, 25]);
    expect(clientToImage([500, 250], rect, view)).toEqual([150, 75]);
    expect(imageToClient(clientToImage([321, 123], rect, view), rect, view)).toEqual([321, 123]);
  });

  it('account for the margins of a box of another shape (centred, uniform scale)', () => {
    const tall = { left: 0, top: 0, width: 200, height: 300 };
    expect(screenScale(tall, fullView(image))).toEqual({ scale: 1, offsetX: 0, offsetY: 100 });
    expect(clientToImage([0, 100], tall, fullView(image))).toEqual([0, 0]);
  });
});
