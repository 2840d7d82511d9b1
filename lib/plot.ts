/**
 * Convergence plots as standalone SVG, with no dependencies: residual (or any positive figure)
 * per iteration on a log₁₀ y axis. Used by `itersolve solve --plot`, and usable on its own:
 *
 *   fs.writeFileSync('conv.svg', convergencePlotSvg([{ label: 'cg', values: r.history! }], { threshold: 1e-8 }));
 *
 * Pure TypeScript: it never touches the native addon.
 */
import * as v from './validate';

export interface PlotSeries {
  /** Legend text (escaped for XML). */
  label: string;
  /** values[i] is drawn at x = i (the iteration). */
  values: Float64Array | number[];
}

export interface ConvergencePlotOptions {
  title?: string;
  /** Pixels (default 720, at least 240). */
  width?: number;
  /** Pixels (default 440, at least 180). */
  height?: number;
  /** Default 'iteration'. */
  xLabel?: string;
  /** Default 'residual norm'. */
  yLabel?: string;
  /** A dashed horizontal line (e.g. the tolerance); the y range is widened to show it. Ignored unless positive and finite. */
  threshold?: number;
}

// Tableau 10: distinct in colour and in lightness, readable on white. Past 10 series the colours
// repeat with a dash pattern so series stay distinguishable.
const COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
const DASHES = ['', '6 3', '2 2', '8 3 2 3'];

/** Escapes text for XML character data and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) =>
      `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' } as Record<string, string>)[c]};`,
  );
}

/** Coordinates to 0.1 px: plenty for the eye, and keeps long paths short. */
const px = (x: number): string => String(Math.round(x * 10) / 10);

/** 10^k as a tick label: "1", "10", "1e-8", "1e+12" → "1e12". */
export function decadeLabel(k: number): string {
  if (k === 0) return '1';
  if (k === 1) return '10';
  return `1e${k}`;
}

/** A round tick step (1, 2 or 5 × 10^m, at least `min`) giving at most about `maxTicks` ticks over `range`. */
function niceStep(range: number, maxTicks: number, min: number): number {
  const raw = Math.max(range / maxTicks, min);
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

/** Iteration tick labels: 950, 1500, 20k, 1.5M. */
function countLabel(x: number): string {
  if (x < 10000) return String(x);
  if (x < 1e6) return `${+(x / 1e3).toPrecision(3)}k`;
  return `${+(x / 1e6).toPrecision(3)}M`;
}

/** 3 significant digits, exponent form outside [1e-3, 1e4): 1e-8, 2.5e-6, 0.01, 150. */
function shortNumber(x: number): string {
  const r = Number(x.toPrecision(3));
  return r >= 1e-3 && r < 1e4 ? String(r) : r.toExponential().replace('e+', 'e');
}

const valid = (y: number): boolean => y > 0 && Number.isFinite(y);

function checkSeries(series: unknown): PlotSeries[] {
  if (!Array.isArray(series)) throw v.invalid('series', 'an array of { label, values }', series);
  series.forEach((s: unknown, i) => {
    const o = v.options<PlotSeries>(`series[${i}]`, s);
    v.str(`series[${i}].label`, o.label);
    const vals = o.values as unknown;
    if (!(vals instanceof Float64Array) && !Array.isArray(vals))
      throw v.invalid(`series[${i}].values`, 'a Float64Array or an array of numbers', vals);
  });
  return series as PlotSeries[];
}

function dimension(name: string, value: unknown, dflt: number, min: number): number {
  if (value === undefined) return dflt;
  const n = v.num(name, value);
  if (!(n >= min && n <= 100000)) throw v.invalid(name, `a number in [${min}, 100000]`, value);
  return Math.round(n);
}

/**
 * Points of one series to draw, as x-index / value pairs with NaN marking a gap. When the series
 * has more points than the plot has pixel columns (×2), each column keeps only its first, last,
 * smallest and largest valid point, in index order ("M4" decimation): the drawn line is the same
 * to the pixel, spikes included, and the SVG stays small however long the history. Skipped
 * values then make a gap only where a whole pixel column has nothing to draw.
 */
function decimate(values: ArrayLike<number>, columns: number): { xs: number[]; ys: number[] } {
  const n = values.length;
  const xs: number[] = [];
  const ys: number[] = [];
  const gap = (): void => {
    if (ys.length > 0 && !Number.isNaN(ys[ys.length - 1])) {
      xs.push(NaN);
      ys.push(NaN);
    }
  };
  if (n <= 2 * columns) {
    for (let i = 0; i < n; i++) {
      const y = values[i];
      if (typeof y === 'number' && valid(y)) {
        xs.push(i);
        ys.push(y);
      } else gap();
    }
    return { xs, ys };
  }
  const per = n / columns;
  for (let c = 0; c < columns; c++) {
    const lo = Math.floor(c * per);
    const hi = Math.min(n, Math.floor((c + 1) * per));
    let first = -1;
    let last = -1;
    let iMin = -1;
    let iMax = -1;
    for (let i = lo; i < hi; i++) {
      const y = values[i];
      if (!(typeof y === 'number' && valid(y))) continue;
      if (first < 0) first = i;
      last = i;
      if (iMin < 0 || y < values[iMin]) iMin = i;
      if (iMax < 0 || y > values[iMax]) iMax = i;
    }
    if (first < 0) {
      gap();
      continue;
    }
    const keep = [first, iMin, iMax, last].sort((a, b) => a - b);
    for (let k = 0; k < keep.length; k++) {
      if (k > 0 && keep[k] === keep[k - 1]) continue;
      xs.push(keep[k]);
      ys.push(values[keep[k]]);
    }
  }
  return { xs, ys };
}

/** A rectangle in pixels. */
interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The plot area and what is drawn in it, in pixels. */
interface Frame {
  right: number;
  bottom: number;
  left: number;
  top: number;
  pw: number;
  ph: number;
  /** The x axis's end (a round tick) and tick step, in iterations. */
  xMax: number;
  xStep: number;
  X: (x: number) => number;
  Y: (y: number) => number;
  /** Per series, its unbroken runs as flat [x0, y0, x1, y1, …] pixel lists (a run of one point is a dot). */
  lines: number[][][];
}

/** Lays out the plot area [left, right] x [top, bottom] and places every series in it. */
function frame(
  list: PlotSeries[],
  left: number,
  right: number,
  top: number,
  bottom: number,
  xMaxData: number,
  kLo: number,
  kHi: number,
): Frame {
  const pw = right - left;
  const ph = bottom - top;
  // x axis: round iteration counts, the axis ending on a tick.
  const xData = Math.max(1, xMaxData);
  const xStep = niceStep(xData, Math.max(2, Math.floor(pw / 80)), 1);
  const xMax = Math.ceil(xData / xStep) * xStep;
  const X = (x: number): number => left + (x / xMax) * pw;
  const Y = (y: number): number => bottom - ((Math.log10(y) - kLo) / (kHi - kLo)) * ph;
  const lines = list.map((s) => {
    const { xs, ys } = decimate(s.values, Math.max(1, Math.round(pw)));
    const runs: number[][] = [];
    let run: number[] | undefined;
    for (let k = 0; k < xs.length; k++) {
      if (Number.isNaN(xs[k])) {
        run = undefined;
        continue;
      }
      if (run === undefined) {
        run = [];
        runs.push(run);
      }
      run.push(X(xs[k]), Y(ys[k]));
    }
    return runs;
  });
  return { left, right, top, bottom, pw, ph, xMax, xStep, X, Y, lines };
}

/** Whether the segment (x0, y0)–(x1, y1) meets the box (Liang–Barsky clipping). */
export function segmentHitsBox(x0: number, y0: number, x1: number, y1: number, b: Box): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = x1 - x0;
  const dy = y1 - y0;
  const edges: Array<[number, number]> = [
    [-dx, x0 - b.x],
    [dx, b.x + b.w - x0],
    [-dy, y0 - b.y],
    [dy, b.y + b.h - y0],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false; // parallel to this edge and outside it
    } else {
      const r = q / p;
      if (p < 0) t0 = Math.max(t0, r);
      else t1 = Math.min(t1, r);
      if (t0 > t1) return false;
    }
  }
  return true;
}

/** Whether any drawn line or dot of the frame comes within `pad` px of the box. */
function covers(L: Frame, b: Box, pad: number): boolean {
  const g: Box = { x: b.x - pad, y: b.y - pad, w: b.w + 2 * pad, h: b.h + 2 * pad };
  for (const runs of L.lines)
    for (const run of runs) {
      if (run.length === 2 && segmentHitsBox(run[0], run[1], run[0], run[1], g)) return true;
      for (let k = 2; k < run.length; k += 2)
        if (segmentHitsBox(run[k - 2], run[k - 1], run[k], run[k + 1], g)) return true;
    }
  return false;
}

/**
 * A corner of the plot area for a w x h legend that no series passes through, tried in the order
 * top right, bottom left, top left, bottom right (a converging residual runs from top left to
 * bottom right, leaving the first two free); with `avoidThreshold`, one the threshold line at
 * `thrY` misses too. Undefined when none is free or the legend does not fit inside.
 */
function legendCorner(
  L: Frame,
  w: number,
  h: number,
  thrY: number | undefined,
  avoidThreshold: boolean,
): Box | undefined {
  const m = 6;
  if (w > L.pw - 2 * m || h > L.ph - 2 * m) return undefined;
  const xr = L.right - w - m;
  const xl = L.left + m;
  const yt = L.top + m;
  const yb = L.bottom - h - m;
  for (const [x, y] of [
    [xr, yt],
    [xl, yb],
    [xl, yt],
    [xr, yb],
  ]) {
    const b = { x, y, w, h };
    if (avoidThreshold && thrY !== undefined && thrY >= y - 3 && thrY <= y + h + 3) continue;
    if (!covers(L, b, 3)) return b;
  }
  return undefined;
}

/**
 * An SVG line plot of convergence histories: one line per series against the iteration, on a
 * log₁₀ y axis with decade ticks ("1e-8"), round iteration ticks, grid lines, a legend, distinct
 * colours and an optional title and dashed threshold line. The legend goes in a corner of the
 * plot that no line or point passes through; when there is none, beside or below the plot.
 *
 * Values that are zero, negative, NaN or infinite cannot be placed on a log axis: they are
 * skipped and the line has a gap there (a residual that reaches exactly 0 simply ends). Series
 * with no drawable values (empty, or all skipped) still appear in the legend; when nothing at
 * all is drawable the result is still a valid SVG with axes and a note saying so. Long series are
 * decimated per pixel column, keeping each column's minimum and maximum, so a 10⁶-point history
 * gives a file of tens of kB. All text is XML-escaped; the result is a standalone SVG document.
 */
export function convergencePlotSvg(series: PlotSeries[], options?: ConvergencePlotOptions): string {
  const list = checkSeries(series);
  const o = v.options<ConvergencePlotOptions>('options', options);
  const W = dimension('width', o.width, 720, 240);
  const H = dimension('height', o.height, 440, 180);
  const title = o.title === undefined ? undefined : v.str('title', o.title);
  const xLabel = o.xLabel === undefined ? 'iteration' : v.str('xLabel', o.xLabel);
  const yLabel = o.yLabel === undefined ? 'residual norm' : v.str('yLabel', o.yLabel);
  const threshold =
    o.threshold === undefined
      ? undefined
      : typeof o.threshold === 'number'
        ? o.threshold
        : v.num('threshold', o.threshold);
  const thr = threshold !== undefined && valid(threshold) ? threshold : undefined;

  // Legend entries and the size of their box. Text width is estimated (no font metrics here):
  // ~0.6 em per character at 12 px.
  const entries: Array<{ label: string; color: string; dash: string }> = list.map((s, i) => ({
    label: s.label,
    color: COLORS[i % COLORS.length],
    dash: DASHES[Math.floor(i / COLORS.length) % DASHES.length],
  }));
  if (thr !== undefined)
    entries.push({ label: `threshold ${shortNumber(thr)}`, color: '#555555', dash: '6 4' });
  const lineH = 16;
  const legendW = entries.length > 0 ? 36 + Math.max(...entries.map((e) => e.label.length)) * 7 : 0;
  const legendH = 8 + entries.length * lineH;

  // Data ranges (over drawable values only).
  let xMaxData = 0;
  let yLo = Infinity;
  let yHi = -Infinity;
  for (const s of list) {
    const vals = s.values;
    xMaxData = Math.max(xMaxData, vals.length - 1);
    for (let i = 0; i < vals.length; i++) {
      const y = vals[i];
      if (typeof y === 'number' && valid(y)) {
        if (y < yLo) yLo = y;
        if (y > yHi) yHi = y;
      }
    }
  }
  const empty = !(yLo <= yHi);
  if (thr !== undefined) {
    yLo = Math.min(yLo, thr);
    yHi = Math.max(yHi, thr);
  }
  let kLo: number;
  let kHi: number;
  if (yLo <= yHi) {
    kLo = Math.floor(Math.log10(yLo));
    kHi = Math.ceil(Math.log10(yHi));
    if (kHi === kLo) {
      kLo -= 1;
      kHi += 1;
    }
  } else {
    kLo = -1;
    kHi = 1;
  }

  // The plot area, first as large as the picture allows, with the legend in a corner of it that
  // no line or point passes through (the threshold line too, when possible). When every corner is
  // taken, the plot area shrinks and the legend goes beside it (or below it, when it is wide):
  // the legend never covers the data.
  const left = 64;
  const top = title ? 40 : 16;
  let L = frame(list, left, W - 16, top, H - 48, xMaxData, kLo, kHi);
  let box: Box | undefined;
  if (entries.length > 0) {
    const thrY = thr === undefined ? undefined : L.Y(thr);
    box =
      legendCorner(L, legendW, legendH, thrY, true) ??
      legendCorner(L, legendW, legendH, thrY, false);
    if (box === undefined) {
      const beside = W - 16 - legendW - 12 - left;
      const below = H - 48 - legendH - 12 - top;
      if (beside >= 160 && (legendW <= 0.4 * W || below < 80)) {
        L = frame(list, left, W - 16 - legendW - 12, top, H - 48, xMaxData, kLo, kHi);
        box = { x: L.right + 12, y: top, w: legendW, h: legendH };
      } else if (below >= 80) {
        L = frame(list, left, W - 16, top, H - 48 - legendH - 12, xMaxData, kLo, kHi);
        box = { x: left, y: L.bottom + 44, w: Math.min(legendW, W - 16 - left), h: legendH };
      } else {
        // No room anywhere (a tiny picture with a long legend): top right, over the data.
        box = {
          x: L.right - Math.min(legendW, L.pw - 8) - 6,
          y: top + 6,
          w: Math.min(legendW, L.pw - 8),
          h: legendH,
        };
      }
    }
  }
  const { right, bottom, pw, ph, xMax, xStep, X, Y } = L;

  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<title>${escapeXml(title ?? 'convergence')}</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  if (title)
    out.push(
      `<text x="${px(W / 2)}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    );

  // y axis: grid and labels per decade (every few decades when the range is wide), with minor
  // grid lines at 2..9 × 10^k when there is room for them.
  const decades = kHi - kLo;
  const kStep = niceStep(decades, Math.max(2, Math.floor(ph / 40)), 1);
  const grid: string[] = [];
  const minor: string[] = [];
  const labels: string[] = [];
  if (kStep === 1 && ph / decades >= 60) {
    for (let k = kLo; k < kHi; k++)
      for (let m = 2; m <= 9; m++) minor.push(`M${left} ${px(Y(m * 10 ** k))}H${right}`);
  }
  for (let k = Math.ceil(kLo / kStep) * kStep; k <= kHi; k += kStep) {
    const y = px(bottom - ((k - kLo) / decades) * ph);
    grid.push(`M${left} ${y}H${right}`);
    labels.push(
      `<text x="${left - 6}" y="${y}" dy="0.32em" text-anchor="end">${decadeLabel(k)}</text>`,
    );
  }
  for (let x = 0; x <= xMax; x += xStep) {
    const xx = px(X(x));
    grid.push(`M${xx} ${top}V${bottom}`);
    labels.push(`<text x="${xx}" y="${bottom + 16}" text-anchor="middle">${countLabel(x)}</text>`);
  }
  if (minor.length)
    out.push(`<path d="${minor.join('')}" stroke="#f0f0f0" stroke-width="1" fill="none"/>`);
  out.push(`<path d="${grid.join('')}" stroke="#dddddd" stroke-width="1" fill="none"/>`);
  out.push(
    `<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#444444"/>`,
  );
  out.push(`<g fill="#333333">${labels.join('')}</g>`);
  out.push(
    `<text x="${px(left + pw / 2)}" y="${bottom + 36}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
  );
  out.push(
    `<text transform="translate(16 ${px(top + ph / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );

  // Threshold under the data.
  if (thr !== undefined) {
    out.push(
      `<path d="M${left} ${px(Y(thr))}H${right}" stroke="#555555" stroke-width="1.2" stroke-dasharray="6 4" fill="none"/>`,
    );
  }

  // Series, clipped to the plot area.
  out.push(
    `<clipPath id="plot-area"><rect x="${left}" y="${top}" width="${pw}" height="${ph}"/></clipPath>`,
  );
  out.push(
    '<g clip-path="url(#plot-area)" fill="none" stroke-width="1.6" stroke-linejoin="round">',
  );
  L.lines.forEach((runs, i) => {
    let d = '';
    let single = '';
    for (const run of runs) {
      // An isolated point (between gaps) gets a dot: a one-point path would not show.
      if (run.length === 2) single += `<circle cx="${px(run[0])}" cy="${px(run[1])}" r="2"/>`;
      for (let k = 0; k < run.length; k += 2)
        d += `${k === 0 ? 'M' : 'L'}${px(run[k])} ${px(run[k + 1])}`;
    }
    const color = COLORS[i % COLORS.length];
    const dash = DASHES[Math.floor(i / COLORS.length) % DASHES.length];
    if (d)
      out.push(`<path d="${d}" stroke="${color}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    if (single) out.push(`<g fill="${color}" stroke="none">${single}</g>`);
  });
  out.push('</g>');

  if (empty)
    out.push(
      `<text x="${px(left + pw / 2)}" y="${px(top + ph / 2)}" text-anchor="middle" fill="#888888">no positive finite values to plot</text>`,
    );

  if (box !== undefined) {
    const b = box;
    const parts = [
      `<rect x="${px(b.x)}" y="${px(b.y)}" width="${px(b.w)}" height="${px(b.h)}" fill="#ffffff" fill-opacity="0.85" stroke="#bbbbbb"/>`,
    ];
    entries.forEach((e, i) => {
      const y = b.y + 4 + lineH * i + lineH / 2;
      parts.push(
        `<path d="M${px(b.x + 6)} ${px(y)}h22" stroke="${e.color}" stroke-width="2"${e.dash ? ` stroke-dasharray="${e.dash}"` : ''}/>`,
        `<text x="${px(b.x + 32)}" y="${px(y)}" dy="0.32em">${escapeXml(e.label)}</text>`,
      );
    });
    out.push(`<g class="legend">${parts.join('')}</g>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export interface CoefficientPathOptions {
  title?: string;
  /** Pixels (default 720, at least 240). */
  width?: number;
  /** Pixels (default 440, at least 180). */
  height?: number;
  /** Feature names for the line labels (default x0, x1, …). */
  names?: string[];
  /** Label at most this many lines: those ending farthest from zero (default 12). */
  maxLabels?: number;
}

/**
 * A regularisation path (lassoPath's `lambdas` and row-major `coefs`, one row of `cols`
 * coefficients per λ) as a standalone SVG: one line per feature, its coefficient against λ on a
 * log₁₀ axis running from the largest λ on the left to the smallest on the right (as glmnet's and
 * scikit-learn's path plots), a zero line, decade ticks on x and round ticks on y. Features that
 * stay zero along the whole path are not drawn; the lines ending farthest from zero are labelled
 * with their names at the right edge. λ values that are not positive and finite are skipped.
 */
export function coefficientPathSvg(
  lambdas: Float64Array | number[],
  coefs: Float64Array,
  cols: number,
  options?: CoefficientPathOptions,
): string {
  const o = v.options<CoefficientPathOptions>('options', options);
  const W = dimension('width', o.width, 720, 240);
  const H = dimension('height', o.height, 440, 180);
  const title = o.title === undefined ? undefined : v.str('title', o.title);
  const K = lambdas.length;
  v.int('cols', cols, 0);
  if (!(coefs instanceof Float64Array) || coefs.length !== K * cols)
    throw v.invalid('coefs', `a Float64Array of lambdas.length × cols = ${K * cols} values`, coefs);
  const names =
    o.names === undefined ? Array.from({ length: cols }, (_, j) => `x${j}`) : o.names.map(String);
  if (names.length !== cols) throw v.invalid('names', `${cols} names`, o.names);
  const maxLabels = o.maxLabels === undefined ? 12 : v.int('maxLabels', o.maxLabels, 0);

  const ks: number[] = []; // rows with a drawable λ
  for (let k = 0; k < K; k++) if (valid(lambdas[k])) ks.push(k);
  const drawn: number[] = [];
  let yLo = 0;
  let yHi = 0;
  for (let j = 0; j < cols; j++) {
    let nz = false;
    for (const k of ks) {
      const c = coefs[k * cols + j];
      if (!Number.isFinite(c)) continue;
      if (c !== 0) nz = true;
      yLo = Math.min(yLo, c);
      yHi = Math.max(yHi, c);
    }
    if (nz) drawn.push(j);
  }
  if (yLo === yHi) {
    yLo = -1;
    yHi = 1;
  }
  let lHi = -Infinity;
  let lLo = Infinity;
  for (const k of ks) {
    lHi = Math.max(lHi, Math.log10(lambdas[k]));
    lLo = Math.min(lLo, Math.log10(lambdas[k]));
  }
  if (!(lLo <= lHi)) {
    lLo = -1;
    lHi = 1;
  }
  let kHi = Math.ceil(lHi);
  let kLo = Math.floor(lLo);
  if (kHi === kLo) {
    kHi += 1;
    kLo -= 1;
  }
  // the lines labelled: the largest |coefficient| at the last drawable λ
  const lastK = ks.length > 0 ? ks[ks.length - 1] : -1;
  const end = (j: number) => (lastK >= 0 ? coefs[lastK * cols + j] : 0);
  const labelled = drawn
    .filter((j) => Number.isFinite(end(j)) && end(j) !== 0)
    .sort((a, b) => Math.abs(end(b)) - Math.abs(end(a)))
    .slice(0, maxLabels);
  const labelW =
    labelled.length > 0 ? 10 + Math.max(...labelled.map((j) => names[j].length)) * 7 : 0;

  const left = 72;
  const top = title ? 40 : 16;
  const right = W - 16 - Math.min(labelW, W / 3);
  const bottom = H - 48;
  const pw = right - left;
  const ph = bottom - top;
  const yStep = niceStep(yHi - yLo, Math.max(2, Math.floor(ph / 40)), 0);
  const y0 = Math.floor(yLo / yStep) * yStep;
  const y1 = Math.ceil(yHi / yStep) * yStep;
  const X = (lam: number): number => left + ((kHi - Math.log10(lam)) / (kHi - kLo)) * pw;
  const Y = (c: number): number => bottom - ((c - y0) / (y1 - y0)) * ph;

  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<title>${escapeXml(title ?? 'coefficient path')}</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  if (title)
    out.push(
      `<text x="${px(W / 2)}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    );
  const tick = (c: number): string =>
    Math.abs(c) < yStep * 1e-9 ? '0' : `${c < 0 ? '-' : ''}${shortNumber(Math.abs(c))}`;
  const grid: string[] = [];
  const labels: string[] = [];
  const kStep = niceStep(kHi - kLo, Math.max(2, Math.floor(pw / 70)), 1);
  for (let k = Math.ceil(kLo / kStep) * kStep; k <= kHi; k += kStep) {
    const x = px(X(10 ** k));
    grid.push(`M${x} ${top}V${bottom}`);
    labels.push(`<text x="${x}" y="${bottom + 16}" text-anchor="middle">${decadeLabel(k)}</text>`);
  }
  for (let i = 0; y0 + i * yStep <= y1 + yStep * 1e-9; i++) {
    const c = y0 + i * yStep;
    const y = px(Y(c));
    grid.push(`M${left} ${y}H${right}`);
    labels.push(`<text x="${left - 6}" y="${y}" dy="0.32em" text-anchor="end">${tick(c)}</text>`);
  }
  out.push(`<path d="${grid.join('')}" stroke="#dddddd" stroke-width="1" fill="none"/>`);
  out.push(
    `<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#444444"/>`,
  );
  out.push(`<path d="M${left} ${px(Y(0))}H${right}" stroke="#888888" stroke-width="1"/>`);
  out.push(`<g fill="#333333">${labels.join('')}</g>`);
  out.push(
    `<text x="${px(left + pw / 2)}" y="${bottom + 36}" text-anchor="middle">λ (log scale, decreasing)</text>`,
  );
  out.push(
    `<text transform="translate(16 ${px(top + ph / 2)}) rotate(-90)" text-anchor="middle">coefficient</text>`,
  );

  const color = (j: number) => COLORS[j % COLORS.length];
  const dash = (j: number) => DASHES[Math.floor(j / COLORS.length) % DASHES.length];
  out.push('<g fill="none" stroke-width="1.5" stroke-linejoin="round">');
  for (const j of drawn) {
    const pts: string[] = [];
    for (const k of ks) {
      const c = coefs[k * cols + j];
      if (Number.isFinite(c)) pts.push(`${pts.length ? 'L' : 'M'}${px(X(lambdas[k]))} ${px(Y(c))}`);
    }
    const d = dash(j);
    out.push(
      `<path d="${pts.join('')}" stroke="${color(j)}"${d ? ` stroke-dasharray="${d}"` : ''}><title>${escapeXml(names[j])}</title></path>`,
    );
  }
  out.push('</g>');
  // labels at the right edge, pushed apart to at least 13 px
  const placed = labelled.map((j) => ({ j, y: Y(end(j)) })).sort((a, b) => a.y - b.y);
  for (let i = 1; i < placed.length; i++) placed[i].y = Math.max(placed[i].y, placed[i - 1].y + 13);
  const over = placed.length > 0 ? placed[placed.length - 1].y - (bottom + 10) : 0;
  if (over > 0) for (const q of placed) q.y -= over;
  out.push(
    `<g class="labels">${placed
      .map(
        (q) =>
          `<text x="${px(right + 6)}" y="${px(q.y)}" dy="0.32em" fill="${color(q.j)}">${escapeXml(names[q.j])}</text>`,
      )
      .join('')}</g>`,
  );
  if (drawn.length === 0)
    out.push(
      `<text x="${px(left + pw / 2)}" y="${px(top + ph / 2)}" text-anchor="middle" fill="#888888">every coefficient is zero along the path</text>`,
    );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
