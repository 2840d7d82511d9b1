import t from 'tap';
import { convergencePlotSvg, decadeLabel, escapeXml, segmentHitsBox } from '../lib/plot';
import { rng } from '../lib/problems';

/**
 * A small well-formedness check for the XML the plotter writes: one root element, tags balanced
 * and properly nested, attributes `name="value"` once each, no raw `<` or stray `&` in text or
 * values. Returns the problems found (empty when fine) and the elements seen.
 */
function checkXml(xml: string): {
  errors: string[];
  elements: Map<string, number>;
  texts: string[];
} {
  const errors: string[] = [];
  const elements = new Map<string, number>();
  const texts: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  const entityOk = (s: string): boolean =>
    !/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(s);
  let i = 0;
  if (xml.startsWith('<?xml')) {
    const e = xml.indexOf('?>');
    if (e < 0) return { errors: ['unterminated XML declaration'], elements, texts };
    i = e + 2;
  }
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (text.trim()) {
      if (stack.length === 0)
        errors.push(`text outside the root: ${JSON.stringify(text.slice(0, 30))}`);
      if (!entityOk(text)) errors.push(`bad entity in text ${JSON.stringify(text)}`);
      if (text.includes('>')) errors.push(`raw '>' in text ${JSON.stringify(text)}`);
      texts.push(text);
    }
    if (lt < 0) break;
    if (xml.startsWith('<!--', lt)) {
      const e = xml.indexOf('-->', lt);
      if (e < 0) {
        errors.push('unterminated comment');
        break;
      }
      i = e + 3;
      continue;
    }
    const gt = xml.indexOf('>', lt);
    if (gt < 0) {
      errors.push('unterminated tag');
      break;
    }
    const tag = xml.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) errors.push(`</${name}> closes <${open ?? 'nothing'}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([A-Za-z_][\w:.-]*)([\s\S]*)$/.exec(body);
    if (!m) {
      errors.push(`bad tag <${tag}>`);
      continue;
    }
    const name = m[1];
    let rest = m[2];
    const seen = new Set<string>();
    const attr = /^\s+([A-Za-z_][\w:.-]*)="([^"]*)"/;
    for (let a = attr.exec(rest); a; a = attr.exec(rest)) {
      if (seen.has(a[1])) errors.push(`duplicate attribute ${a[1]} on <${name}>`);
      seen.add(a[1]);
      if (a[2].includes('<') || !entityOk(a[2]))
        errors.push(`bad attribute value ${a[1]}="${a[2]}"`);
      rest = rest.slice(a[0].length);
    }
    if (rest.trim()) errors.push(`bad attributes in <${name}>: ${JSON.stringify(rest)}`);
    if (stack.length === 0) roots++;
    elements.set(name, (elements.get(name) ?? 0) + 1);
    if (!selfClosing) stack.push(name);
  }
  if (stack.length) errors.push(`unclosed: ${stack.join(' > ')}`);
  if (roots !== 1) errors.push(`${roots} root elements`);
  return { errors, elements, texts };
}

/** The decoded texts of all <text> elements. */
const unescape = (s: string): string =>
  s.replace(
    /&(amp|lt|gt|quot|apos);/g,
    (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e] as string,
  );

function history(n: number, rate: number, start = 1): Float64Array {
  const h = new Float64Array(n);
  for (let i = 0; i < n; i++) h[i] = start * rate ** i;
  return h;
}

/** Path `d` data of the series lines (stroke colour given), as [x, y] pairs with NaN at moves. */
function seriesPoints(svg: string, color: string): Array<[number, number, 'M' | 'L']> {
  const m = new RegExp(`<path d="([^"]*)" stroke="${color}"(?: stroke-dasharray="[^"]*")?/>`).exec(
    svg,
  );
  if (!m) return [];
  const pts: Array<[number, number, 'M' | 'L']> = [];
  for (const seg of m[1].matchAll(/([ML])([-\d.]+) ([-\d.]+)/g))
    pts.push([Number(seg[2]), Number(seg[3]), seg[1] as 'M' | 'L']);
  return pts;
}

t.test('the checker itself', async (t) => {
  t.same(checkXml('<a x="1"><b/>t &amp; u</a>').errors, []);
  t.not(checkXml('<a><b></a>').errors.length, 0, 'mis-nested');
  t.not(checkXml('<a>x & y</a>').errors.length, 0, 'raw ampersand');
  t.not(checkXml('<a x="1" x="2"/>').errors.length, 0, 'duplicate attribute');
  t.not(checkXml('<a/><b/>').errors.length, 0, 'two roots');
  t.not(checkXml('<a x=1/>').errors.length, 0, 'unquoted attribute');
});

t.test('a basic plot: well-formed, labelled, log axis', async (t) => {
  const svg = convergencePlotSvg(
    [
      { label: 'cg', values: history(200, 0.9) },
      { label: 'cg + ic0', values: Array.from(history(60, 0.7)) },
    ],
    { title: 'bcsstk01 <test> & "quotes"', threshold: 1e-8, xLabel: 'iterations', yLabel: '‖r‖₂' },
  );
  const x = checkXml(svg);
  t.same(x.errors, []);
  t.match(
    svg,
    /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="720" height="440" viewBox="0 0 720 440"/,
  );
  t.ok(svg.endsWith('</svg>\n'));
  const texts = x.texts.map(unescape);
  t.ok(texts.includes('bcsstk01 <test> & "quotes"'), 'title escaped and present');
  t.ok(svg.includes('bcsstk01 &lt;test&gt; &amp; &quot;quotes&quot;'));
  for (const s of ['cg', 'cg + ic0', 'iterations', '‖r‖₂', 'threshold 1e-8'])
    t.ok(texts.includes(s), `text ${s}`);
  // 0.9^199 ≈ 8e-10: decades 1e-10 .. 1 (the threshold 1e-8 lies inside)
  for (const k of ['1', '1e-2', '1e-4', '1e-8', '1e-10'])
    t.ok(texts.includes(k), `decade label ${k}`);
  t.notOk(texts.includes('1e-11'));
  for (const k of ['0', '50', '100', '150', '200']) t.ok(texts.includes(k), `x tick ${k}`);
  t.equal(x.elements.get('svg'), 1);
  t.ok((x.elements.get('path') ?? 0) >= 4, 'grid, threshold and two series');
  t.match(svg, /stroke-dasharray="6 4"/, 'dashed threshold');
  const a = seriesPoints(svg, '#4e79a7');
  const b = seriesPoints(svg, '#f28e2b');
  t.equal(a.length, 200, 'short series drawn point for point');
  t.equal(b.length, 60);
  t.ok(
    a.every(([, , c], i) => (i === 0 ? c === 'M' : c === 'L')),
    'one unbroken line',
  );
  // monotone data → monotone y (SVG y grows downwards)
  t.ok(a.every(([, y], i) => i === 0 || y >= a[i - 1][1]));
  t.ok(a[0][0] < a[199][0]);
});

t.test('options: size, defaults, no title', async (t) => {
  const svg = convergencePlotSvg([{ label: 'x', values: [1, 0.5] }], { width: 300, height: 200 });
  t.same(checkXml(svg).errors, []);
  t.match(svg, /width="300" height="200" viewBox="0 0 300 200"/);
  t.match(svg, /<text[^>]*>iteration<\/text>/);
  t.match(svg, /<text[^>]*>residual norm<\/text>/);
  t.match(svg, /<title>convergence<\/title>/);
  // 61 points, 8 ticks at most: a step of 10
  const ticks = checkXml(convergencePlotSvg([{ label: 'x', values: history(61, 0.8) }])).texts;
  t.ok(
    ['0', '10', '20', '30', '40', '50', '60'].every((k) => ticks.includes(k)),
    'x ticks every 10',
  );
  const noThr = convergencePlotSvg([{ label: 'x', values: [1, 0.5] }], { threshold: 0 });
  t.notMatch(noThr, /threshold/, 'a non-positive threshold is ignored');
  t.match(convergencePlotSvg([], { threshold: 2.5e-6 }), />threshold 2\.5e-6</);
  t.match(convergencePlotSvg([], { threshold: 0.0123456 }), />threshold 0\.0123</);
  t.match(convergencePlotSvg([], { threshold: 123456 }), />threshold 1\.23e5</);
  t.same(
    checkXml(convergencePlotSvg([{ label: 'x', values: [1, 0.5] }], { threshold: NaN })).errors,
    [],
  );
});

t.test('zeros, negatives, NaN and Infinity are skipped as gaps', async (t) => {
  const values = [1, 0.5, 0, 0.25, NaN, Infinity, 0.1, -1, 0.05, 0.02];
  const svg = convergencePlotSvg([{ label: 'gappy', values }]);
  t.same(checkXml(svg).errors, []);
  const pts = seriesPoints(svg, '#4e79a7');
  t.equal(pts.length, 6, 'only the positive finite values');
  t.same(
    pts.map((p) => p[2]),
    ['M', 'L', 'M', 'M', 'M', 'L'],
    'the line restarts after each gap',
  );
  t.equal((svg.match(/<circle /g) ?? []).length, 2, 'isolated points (0.25, 0.1) get dots');
  const dot = convergencePlotSvg([{ label: 'dot', values: [0, 1e-3, 0, 1, 0.1] }]);
  t.same(checkXml(dot).errors, []);
  t.equal((dot.match(/<circle /g) ?? []).length, 1);
  t.match(dot, />1e-3</);
});

t.test('empty and all-invalid series: valid SVG with a note', async (t) => {
  for (const series of [
    [],
    [{ label: 'none', values: new Float64Array(0) }],
    [{ label: 'zeros', values: [0, 0, NaN, -2] }],
  ]) {
    const svg = convergencePlotSvg(series, { title: 'nothing' });
    const x = checkXml(svg);
    t.same(x.errors, [], JSON.stringify(series));
    t.ok(x.texts.includes('no positive finite values to plot'));
    t.notMatch(svg, /NaN|Infinity/, 'no non-finite coordinates');
    for (const s of series) t.ok(x.texts.includes(s.label), 'still in the legend');
  }
  // only a threshold: no data, but the axes span it
  const thr = convergencePlotSvg([{ label: 'a', values: [] }], { threshold: 1e-6 });
  t.same(checkXml(thr).errors, []);
  t.match(thr, />1e-6</);
  t.match(thr, /no positive finite values to plot/);
});

t.test('a single value and a flat series', async (t) => {
  for (const values of [[3], [2, 2, 2, 2]]) {
    const svg = convergencePlotSvg([{ label: 's', values }]);
    t.same(checkXml(svg).errors, []);
    t.notMatch(svg, /NaN|Infinity/);
    // a one-decade-wide window around the value at least
    t.match(svg, />1</);
    t.match(svg, />10</);
  }
});

t.test('long histories are decimated, spikes kept', async (t) => {
  const n = 1_000_000;
  const h = history(n, 1 - 1e-5);
  h[500_000] = 1e6; // a spike
  h[700_000] = 0; // a zero
  for (let i = 800_000; i < 810_000; i++) h[i] = NaN; // a stretch of NaN
  const t0 = Date.now();
  const svg = convergencePlotSvg(
    [
      { label: 'long', values: h },
      { label: 'long too', values: h.subarray(0, n / 2) },
    ],
    {
      threshold: 1e-8,
    },
  );
  const ms = Date.now() - t0;
  t.ok(svg.length < 150_000, `small: ${svg.length} bytes`);
  t.ok(ms < 5000, `quick: ${ms} ms`);
  const x = checkXml(svg);
  t.same(x.errors, []);
  t.ok(x.texts.includes('1e6'), 'the spike widened the axis to 1e6');
  const pts = seriesPoints(svg, '#4e79a7');
  const top = Math.min(...pts.map((p) => p[1]));
  t.ok(top < 60, `spike reaches the top of the plot (y = ${top})`);
  const moves = pts.filter((p) => p[2] === 'M').length;
  t.equal(moves, 2, 'one gap: the NaN stretch (the single zero is below pixel scale)');
  t.ok(x.texts.includes('1M'), 'x axis ends on the round tick 1M');
  t.ok(x.texts.includes('200k'));
});

t.test('many series: colours then dash patterns', async (t) => {
  const series = Array.from({ length: 12 }, (_, i) => ({
    label: `s${i}`,
    values: history(20, 0.5 + i / 30),
  }));
  const svg = convergencePlotSvg(series);
  t.same(checkXml(svg).errors, []);
  const colors = new Set(
    [...svg.matchAll(/<path d="M[^"]*" stroke="(#[0-9a-f]{6})"/g)].map((m) => m[1]),
  );
  t.ok(colors.size >= 10, `${colors.size} distinct colours`);
  t.match(svg, /stroke="#4e79a7" stroke-dasharray="6 3"/, 'the 11th series is dashed');
});

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The legend's box, as drawn. */
function legendBox(svg: string): Rect | undefined {
  const m =
    /<g class="legend"><rect x="([-\d.]+)" y="([-\d.]+)" width="([-\d.]+)" height="([-\d.]+)"/.exec(
      svg,
    );
  return m ? { x: Number(m[1]), y: Number(m[2]), w: Number(m[3]), h: Number(m[4]) } : undefined;
}

/** The plot area (the framed rectangle after the grid). */
function plotArea(svg: string): Rect {
  const m =
    /<rect x="([-\d.]+)" y="([-\d.]+)" width="([-\d.]+)" height="([-\d.]+)" fill="none" stroke="#444444"\/>/.exec(
      svg,
    )!;
  return { x: Number(m[1]), y: Number(m[2]), w: Number(m[3]), h: Number(m[4]) };
}

/**
 * Every drawn series point and every point along its segments (sampled every 0.25 px) that lies
 * inside the box: independent of the plotter's own segment test.
 */
function pointsInside(svg: string, box: Rect): Array<[number, number]> {
  const inside = (x: number, y: number) =>
    x >= box.x && x <= box.x + box.w && y >= box.y && y <= box.y + box.h;
  const hits: Array<[number, number]> = [];
  const area = svg.slice(
    svg.indexOf('<g clip-path="url(#plot-area)"'),
    svg.indexOf('</g>', svg.indexOf('<g clip-path')),
  );
  for (const m of area.matchAll(/<path d="([^"]*)"/g)) {
    let prev: [number, number] | undefined;
    for (const seg of m[1].matchAll(/([ML])([-\d.]+) ([-\d.]+)/g)) {
      const p: [number, number] = [Number(seg[2]), Number(seg[3])];
      if (seg[1] === 'L' && prev) {
        const len = Math.hypot(p[0] - prev[0], p[1] - prev[1]);
        const steps = Math.max(1, Math.ceil(len * 4));
        for (let k = 0; k <= steps; k++) {
          const x = prev[0] + ((p[0] - prev[0]) * k) / steps;
          const y = prev[1] + ((p[1] - prev[1]) * k) / steps;
          if (inside(x, y)) hits.push([x, y]);
        }
      } else if (inside(p[0], p[1])) hits.push(p);
      prev = p;
    }
  }
  for (const c of area.matchAll(/<circle cx="([-\d.]+)" cy="([-\d.]+)"/g))
    if (inside(Number(c[1]), Number(c[2]))) hits.push([Number(c[1]), Number(c[2])]);
  return hits;
}

const within = (b: Rect, a: Rect) =>
  b.x >= a.x && b.y >= a.y && b.x + b.w <= a.x + a.w && b.y + b.h <= a.y + a.h;

t.test('the legend does not cover the curve', async (t) => {
  // A converging residual runs from top left to bottom right: the legend stays top right, inside.
  const conv = convergencePlotSvg([{ label: 'cg + ic0', values: history(200, 0.9) }], {
    threshold: 1e-8,
  });
  const a = plotArea(conv);
  const b = legendBox(conv)!;
  t.ok(b, 'a legend');
  t.ok(within(b, a), 'inside the plot area');
  t.ok(b.x + b.w > a.x + a.w - 20 && b.y < a.y + 20, `top right: ${JSON.stringify(b)}`);
  t.same(pointsInside(conv, b), []);

  // A residual that stalls near its start for most of the run passes through the top right
  // corner: the legend moves to a free corner.
  const stall = Float64Array.from({ length: 300 }, (_, i) =>
    i < 290 ? 1 - i / 1000 : 0.71 * 0.2 ** (i - 290),
  );
  const s = convergencePlotSvg([{ label: 'stalled', values: stall }]);
  const sb = legendBox(s)!;
  t.ok(within(sb, plotArea(s)), 'still inside');
  t.notOk(
    sb.x + sb.w > plotArea(s).x + plotArea(s).w - 20 && sb.y < plotArea(s).y + 20,
    'not top right',
  );
  t.same(pointsInside(s, sb), []);

  // Lines through all four corners (an X, and a frame around it): the legend goes beside the
  // plot, which narrows to make room.
  const n = 100;
  const down = history(n, 0.8);
  const up = Float64Array.from(down).reverse();
  const flatHi = new Float64Array(n).fill(1);
  const flatLo = new Float64Array(n).fill(down[n - 1]);
  const x = convergencePlotSvg([
    { label: 'down', values: down },
    { label: 'up', values: up },
    { label: 'high', values: flatHi },
    { label: 'low', values: flatLo },
  ]);
  const xa = plotArea(x);
  const xb = legendBox(x)!;
  t.ok(xb.x >= xa.x + xa.w, `beside the plot: legend at x ${xb.x}, plot ends at ${xa.x + xa.w}`);
  t.ok(xb.x + xb.w <= 720, 'inside the picture');
  t.ok(xa.w < 720 - 64 - 16, 'the plot narrowed');
  t.same(pointsInside(x, xb), []);
  t.same(checkXml(x).errors, []);

  // Same with labels too long to sit beside: below the plot, which gets shorter.
  const long = convergencePlotSvg(
    ['down', 'up', 'high', 'low'].map((l, i) => ({
      label: `${l} ${'x'.repeat(50)}`,
      values: [down, up, flatHi, flatLo][i],
    })),
  );
  const la = plotArea(long);
  const lb = legendBox(long)!;
  t.ok(lb.y >= la.y + la.h + 30, `below the plot and its tick labels: ${lb.y} vs ${la.y + la.h}`);
  t.ok(lb.y + lb.h <= 440, 'inside the picture');
  t.same(pointsInside(long, lb), []);
  t.same(checkXml(long).errors, []);

  // A picture too small for the legend beside or below: top right, the one place left.
  const tiny = convergencePlotSvg(
    ['down', 'up'].map((l, i) => ({ label: `${l} ${'x'.repeat(40)}`, values: [down, up][i] })),
    { width: 240, height: 180 },
  );
  const ya = plotArea(tiny);
  const yb = legendBox(tiny)!;
  t.ok(within(yb, ya), 'inside the plot area');
  t.equal(yb.w, ya.w - 8, 'as wide as the plot allows');
  t.same(checkXml(tiny).errors, []);

  // The threshold line is avoided too when a free corner allows it: a threshold right below
  // the start puts the top corners off limits, and the bottom left is free.
  const thr = convergencePlotSvg([{ label: 'cg', values: history(100, 0.8) }], { threshold: 0.5 });
  const ta = plotArea(thr);
  const tb = legendBox(thr)!;
  const thrY = Number(
    /<path d="M[\d.]+ ([\d.]+)H[\d.]+" stroke="#555555" stroke-width="1\.2"/.exec(thr)![1],
  );
  t.ok(
    thrY < tb.y || thrY > tb.y + tb.h,
    `threshold at y ${thrY} misses the legend ${JSON.stringify(tb)}`,
  );
  t.ok(within(tb, ta));
  t.same(pointsInside(thr, tb), []);
});

t.test('the legend does not cover the curve: random histories', async (t) => {
  const rand = rng(2024);
  let inside = 0;
  for (let trial = 0; trial < 60; trial++) {
    const k = 1 + Math.floor(rand() * 4);
    const series = Array.from({ length: k }, (_, i) => {
      const n = 2 + Math.floor(rand() * 400);
      let y = 10 ** (rand() * 4 - 2);
      const values = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        values[j] = y;
        y *= 10 ** ((rand() - 0.6) * 0.2); // a noisy, mostly falling walk
      }
      return { label: `series ${i}`, values };
    });
    const width = 240 + Math.floor(rand() * 600);
    const height = 180 + Math.floor(rand() * 400);
    const svg = convergencePlotSvg(series, {
      width,
      height,
      threshold: rand() < 0.5 ? 1e-3 : undefined,
    });
    const box = legendBox(svg)!;
    const hits = pointsInside(svg, box);
    // Only a picture too small for the legend anywhere may put it over the data.
    const area = plotArea(svg);
    if (within(box, area)) inside++;
    if (hits.length > 0)
      t.ok(
        width - 16 - box.w - 12 - 64 < 160 && height - 48 - box.h - 12 - 16 < 80,
        `trial ${trial}: covered only when there is no room`,
      );
    else t.pass(`trial ${trial}: nothing under the legend`);
    t.ok(
      box.x >= 0 && box.y >= 0 && box.x + box.w <= width && box.y + box.h <= height,
      `trial ${trial}: legend inside the picture`,
    );
  }
  t.ok(inside > 30, `the legend sits inside the plot area most of the time (${inside} of 60)`);
});

t.test('segmentHitsBox', async (t) => {
  const b = { x: 10, y: 10, w: 10, h: 10 };
  t.equal(segmentHitsBox(0, 0, 30, 30, b), true, 'through the middle');
  t.equal(segmentHitsBox(12, 12, 13, 13, b), true, 'inside');
  t.equal(segmentHitsBox(0, 0, 5, 5, b), false, 'short of it');
  t.equal(segmentHitsBox(0, 25, 25, 25, b), false, 'below, parallel');
  t.equal(segmentHitsBox(0, 15, 25, 15, b), true, 'across, horizontal');
  t.equal(segmentHitsBox(15, 0, 15, 5, b), false, 'above, vertical');
  t.equal(segmentHitsBox(0, 21, 21, 0, b), true, 'clips the corner');
  t.equal(segmentHitsBox(0, 19, 19, 0, b), false, 'misses the corner');
  t.equal(segmentHitsBox(15, 15, 15, 15, b), true, 'a point inside');
});

t.test('helpers and argument checks', async (t) => {
  t.equal(escapeXml(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  t.same([-8, -1, 0, 1, 2, 12].map(decadeLabel), ['1e-8', '1e-1', '1', '10', '1e2', '1e12']);
  const bad: Array<[unknown, unknown, RegExp]> = [
    [null, undefined, /series: expected an array/],
    [[{ label: 1, values: [] }], undefined, /series\[0\]\.label: expected a string/],
    [
      [{ label: 'a', values: 'x' }],
      undefined,
      /series\[0\]\.values: expected a Float64Array or an array/,
    ],
    [[], { width: 10 }, /width: expected a number in \[240, 100000\]/],
    [[], { height: Infinity }, /height: expected a finite number/],
    [[], { title: 3 }, /title: expected a string/],
    [[], { threshold: '1' }, /threshold: expected a finite number/],
    [[], 'x', /options: expected an options object/],
  ];
  for (const [s, o, msg] of bad)
    t.throws(() => convergencePlotSvg(s as never, o as never), {
      code: 'ERR_INVALID_ARGUMENT',
      message: msg,
    });
});
