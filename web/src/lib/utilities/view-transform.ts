/**
 * Zoom and pan of a labeler: the part of the image on screen is the SVG's viewBox, in image
 * pixels (the whole image at zoom 1). A pointer's screen position maps to an image pixel through
 * the element's box and the viewBox, as the browser draws it (`preserveAspectRatio="xMidYMid
 * meet"`: uniform scale, centred).
 */
import { clamp } from './box-editing.ts';
import type { ImageSize, Point } from './labels.ts';

export interface ViewBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The element's box on screen, as `getBoundingClientRect()` gives it. */
export interface ScreenRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export const MIN_ZOOM = 1;
export const MAX_ZOOM = 16;
/** One press of + or −. */
export const ZOOM_STEP = 1.5;

/** The whole image. */
export const fullView = (image: ImageSize): ViewBox => ({ x: 0, y: 0, width: image.width, height: image.height });

/** How many times the image is enlarged (1: all of it shows). */
export const zoomOf = (view: ViewBox, image: ImageSize): number => image.width / view.width;

/** The viewBox attribute. */
export const viewBoxAttribute = (view: ViewBox): string => `${view.x} ${view.y} ${view.width} ${view.height}`;

/** The view moved so that it stays over the image. */
function keepInside(view: ViewBox, image: ImageSize): ViewBox {
  return {
    ...view,
    x: clamp(view.x, 0, Math.max(0, image.width - view.width)),
    y: clamp(view.y, 0, Math.max(0, image.height - view.height)),
  };
}

/**
 * The view zoomed by `factor` (above 1: closer) around `anchor` (an image point, e.g. under the
 * pointer, which stays where it is on screen), between MIN_ZOOM and MAX_ZOOM.
 */
export function zoomAt(view: ViewBox, image: ImageSize, factor: number, anchor?: Point): ViewBox {
  const zoom = clamp(zoomOf(view, image) * factor, MIN_ZOOM, MAX_ZOOM);
  const width = image.width / zoom;
  const height = image.height / zoom;
  const [ax, ay] = anchor ?? [view.x + view.width / 2, view.y + view.height / 2];
  const rx = (ax - view.x) / view.width;
  const ry = (ay - view.y) / view.height;
  return keepInside({ x: ax - rx * width, y: ay - ry * height, width, height }, image);
}

/** The view moved by (dx, dy) image pixels, never past the image's edges. */
/** The view after a zoom shortcut (`zoomIn`, `zoomOut`, `zoomReset`); undefined for any other action. */
export function zoomByShortcut(view: ViewBox, image: ImageSize, action: string): ViewBox | undefined {
  if (action === 'zoomIn') return zoomAt(view, image, ZOOM_STEP);
  if (action === 'zoomOut') return zoomAt(view, image, 1 / ZOOM_STEP);
  if (action === 'zoomReset') return fullView(image);
  return undefined;
}

export const panView = (view: ViewBox, image: ImageSize, dx: number, dy: number): ViewBox =>
  keepInside({ ...view, x: view.x + dx, y: view.y + dy }, image);

/** Screen pixels per image pixel, and where the drawing starts inside the element ("meet" centring). */
export function screenScale(rect: ScreenRect, view: ViewBox): { scale: number; offsetX: number; offsetY: number } {
  const scale = Math.min(rect.width / view.width, rect.height / view.height);
  if (!Number.isFinite(scale) || scale <= 0) return { scale: 1, offsetX: 0, offsetY: 0 };
  return { scale, offsetX: (rect.width - view.width * scale) / 2, offsetY: (rect.height - view.height * scale) / 2 };
}

/** The image pixel under a screen point (`clientX`, `clientY`). */
export function clientToImage([clientX, clientY]: Point, rect: ScreenRect, view: ViewBox): Point {
  const { scale, offsetX, offsetY } = screenScale(rect, view);
  return [view.x + (clientX - rect.left - offsetX) / scale, view.y + (clientY - rect.top - offsetY) / scale];
}

/** The screen point of an image pixel (the inverse of clientToImage). */
export function imageToClient([x, y]: Point, rect: ScreenRect, view: ViewBox): Point {
  const { scale, offsetX, offsetY } = screenScale(rect, view);
  return [rect.left + offsetX + (x - view.x) * scale, rect.top + offsetY + (y - view.y) * scale];
}

/** A length of `screenPixels` on screen, in image pixels (handle sizes, hit tolerances). */
export const screenToImageLength = (screenPixels: number, rect: ScreenRect, view: ViewBox): number =>
  screenPixels / screenScale(rect, view).scale;
