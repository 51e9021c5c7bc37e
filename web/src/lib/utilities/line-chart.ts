/**
 * The geometry of a small line chart (training curves, precision-recall): series of points mapped
 * into an SVG box with margins for the axes, "nice" tick values, and one path per series. Pure, so
 * the component only draws.
 */

export interface Point {
  x: number;
  y: number;
}

export interface ChartBox {
  width: number;
  height: number;
  /** Room for the axis labels: left, right, top, bottom. */
  margin: { left: number; right: number; top: number; bottom: number };
}

export interface ChartGeometry {
  /** One SVG path `d` per series ('' for an empty series). */
  paths: string[];
  /** The points of each series in SVG coordinates (for dots and hover). */
  dots: Point[][];
  xTicks: { value: number; at: number }[];
  yTicks: { value: number; at: number }[];
  /** The plot area in SVG coordinates. */
  plot: { left: number; right: number; top: number; bottom: number };
}

/** About `count` round tick values covering [min, max] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max < min) [min, max] = [max, min];
  if (max === min) return [min];
  const rough = (max - min) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  // The round step whose number of intervals comes closest to the one asked for.
  const intervals = (s: number) => Math.abs((max - min) / s - (count - 1));
  const step = [1, 2, 5, 10].map((f) => f * power).reduce((best, s) => (intervals(s) < intervals(best) ? s : best));
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

/**
 * Maps `series` into `box`. The y range covers the data (or `yDomain` when given, e.g. [0, 1] for
 * a metric); a flat series gets a little room so its line is not drawn on the frame.
 */
export function chartGeometry(
  series: readonly (readonly Point[])[],
  box: ChartBox,
  options: { xDomain?: [number, number]; yDomain?: [number, number] } = {},
): ChartGeometry {
  const all = series.flat().filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const extent = (values: number[], fallback: [number, number]): [number, number] =>
    values.length === 0 ? fallback : [Math.min(...values), Math.max(...values)];
  let [x0, x1] = options.xDomain ?? extent(all.map((p) => p.x), [0, 1]);
  let [y0, y1] = options.yDomain ?? extent(all.map((p) => p.y), [0, 1]);
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = y0 === 0 ? [0, 1] : [y0 - Math.abs(y0) * 0.1, y1 + Math.abs(y1) * 0.1];
  const plot = {
    left: box.margin.left,
    right: box.width - box.margin.right,
    top: box.margin.top,
    bottom: box.height - box.margin.bottom,
  };
  const sx = (x: number) => plot.left + ((x - x0) / (x1 - x0)) * (plot.right - plot.left);
  const sy = (y: number) => plot.bottom - ((y - y0) / (y1 - y0)) * (plot.bottom - plot.top);
  const round = (v: number) => Math.round(v * 10) / 10;
  const dots = series.map((points) =>
    points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).map((p) => ({ x: round(sx(p.x)), y: round(sy(p.y)) })),
  );
  return {
    paths: dots.map((points) => points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ')),
    dots,
    xTicks: niceTicks(x0, x1).filter((v) => v >= x0 && v <= x1).map((value) => ({ value, at: round(sx(value)) })),
    yTicks: niceTicks(y0, y1, 4).filter((v) => v >= y0 && v <= y1).map((value) => ({ value, at: round(sy(value)) })),
    plot,
  };
}
