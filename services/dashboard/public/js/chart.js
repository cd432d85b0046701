/**
 * Line charts drawn as SVG: axes with ticks, axis labels, a legend, gaps where a value is missing, and
 * a hover read-out. One chart plots one or more series over the same x values (iterations).
 */
import { h, s } from './dom.js';

/** Drawn before the chart is laid out; then the chart is redrawn at the width it gets. */
const DEFAULT_WIDTH = 640;
const HEIGHT = 260;
const MARGIN = { top: 14, right: 18, bottom: 46, left: 64 };
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** Markers are drawn on every point up to this many points per series. */
const MAX_MARKERS = 60;

/**
 * @typedef {{ x: number, y: number | null }} Point
 * @typedef {{ key: string, label: string, color: string, points: Point[] }} Series
 * @typedef {object} ChartSpec
 * @property {string} id          stable name, set as `data-chart` on the figure
 * @property {string} title
 * @property {string} xLabel
 * @property {string} yLabel
 * @property {Series[]} series
 * @property {'percent' | 'number'} [yUnit]
 * @property {number} [yMax]      an upper bound the axis never exceeds (1 for rates)
 * @property {[number, number]} [xDomain]  x range to show (so charts side by side line up); the data's by default
 * @property {boolean} [wide]     spans the whole row of a `.charts` grid
 */

/**
 * A chart in a figure with its title and legend. The SVG is drawn in CSS pixels at the width the
 * figure gets (and again when that changes), so text and lines keep their size on any screen.
 * @param {ChartSpec} spec
 * @returns {HTMLElement}
 */
export function lineChart(spec) {
  const format = spec.yUnit === 'percent' ? formatPercent : formatNumber;
  const legend = h(
    'ul',
    { class: 'legend' },
    spec.series.map((series) => {
      const last = series.points.filter((p) => isNumber(p.y)).at(-1);
      return h(
        'li',
        { 'data-legend': series.key },
        h('span', { class: 'swatch', style: `background:${series.color}` }),
        series.label,
        last ? h('b', {}, format(/** @type {number} */ (last.y))) : null,
      );
    }),
  );
  const body = h('div', { class: 'chart-body' });
  const figure = h('figure', { class: `chart${spec.wide ? ' wide' : ''}`, 'data-chart': spec.id }, h('figcaption', {}, h('h3', {}, spec.title), legend), body);
  let drawnWidth = 0;
  /** @param {number} width */
  const draw = (width) => {
    if (width < 120 || Math.abs(width - drawnWidth) < 1) return;
    drawnWidth = width;
    body.replaceChildren(...plotSvg(spec, Math.round(width), format));
  };
  draw(DEFAULT_WIDTH);
  new ResizeObserver((entries) => draw(entries[0].contentRect.width)).observe(body);
  return figure;
}

/**
 * @param {ChartSpec} spec
 * @param {number} width
 * @param {(v: number, decimals?: number) => string} format
 * @returns {Element[]} the SVG and its tooltip
 */
function plotSvg(spec, width, format) {
  const plotW = width - MARGIN.left - MARGIN.right;
  const values = spec.series.flatMap((series) => series.points.map((p) => p.y)).filter(isNumber);
  const xs = [...new Set(spec.series.flatMap((series) => series.points.filter((p) => isNumber(p.y)).map((p) => p.x)))].sort((a, b) => a - b);

  const svg = s('svg', { viewBox: `0 0 ${width} ${HEIGHT}`, width, height: HEIGHT, role: 'img', 'aria-label': `${spec.title} by ${spec.xLabel.toLowerCase()}` });
  const plot = s('g', { transform: `translate(${MARGIN.left},${MARGIN.top})` });
  svg.append(plot);

  const yTicks = niceTicks(values.length ? Math.min(0, ...values) : 0, values.length ? Math.max(...values) : 1, 5, spec.yMax);
  const [y0, y1] = [yTicks[0], yTicks[yTicks.length - 1]];
  const [xLo, xHi] = spec.xDomain ?? (xs.length ? [xs[0], xs[xs.length - 1]] : [0, 1]);
  const xDomain = xLo === xHi ? [xLo - 0.5, xHi + 0.5] : [xLo, xHi];
  const xTicks = integerTicks(xDomain[0], xDomain[1], Math.max(2, Math.floor(plotW / 70)));
  /** @param {number} x */
  const sx = (x) => ((x - xDomain[0]) / (xDomain[1] - xDomain[0])) * plotW;
  /** @param {number} y */
  const sy = (y) => PLOT_H - ((y - y0) / (y1 - y0)) * PLOT_H;
  const yStep = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;

  const grid = s('g', { class: 'grid' });
  const axes = s('g', { class: 'axis' });
  for (const tick of yTicks) {
    const y = round(sy(tick));
    grid.append(s('line', { x1: 0, x2: plotW, y1: y, y2: y }));
    axes.append(s('text', { x: -10, y, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, format(tick, decimalsFor(spec.yUnit === 'percent' ? yStep * 100 : yStep))));
  }
  for (const tick of xTicks) {
    const x = round(sx(tick));
    axes.append(s('line', { class: 'tick', x1: x, x2: x, y1: PLOT_H, y2: PLOT_H + 5 }));
    axes.append(s('text', { x, y: PLOT_H + 18, 'text-anchor': 'middle' }, String(tick)));
  }
  axes.append(s('line', { class: 'domain', x1: 0, x2: plotW, y1: PLOT_H, y2: PLOT_H }));
  axes.append(s('line', { class: 'domain', x1: 0, x2: 0, y1: 0, y2: PLOT_H }));
  axes.append(s('text', { class: 'label', x: plotW / 2, y: PLOT_H + 38, 'text-anchor': 'middle' }, spec.xLabel));
  axes.append(s('text', { class: 'label', transform: `translate(${-MARGIN.left + 14},${PLOT_H / 2}) rotate(-90)`, 'text-anchor': 'middle' }, spec.yLabel));
  plot.append(grid, axes);

  if (values.length === 0) {
    plot.append(s('text', { class: 'empty', x: plotW / 2, y: PLOT_H / 2, 'text-anchor': 'middle' }, 'No data yet'));
    return [svg];
  }

  for (const series of spec.series) {
    const group = s('g', { class: 'series', 'data-series': series.key });
    const path = segments(series.points)
      .map((segment) => segment.map((p, i) => `${i === 0 ? 'M' : 'L'}${round(sx(p.x))},${round(sy(/** @type {number} */ (p.y)))}`).join(''))
      .join('');
    group.append(s('path', { d: path, stroke: series.color, fill: 'none', 'stroke-width': 2.5, 'stroke-linejoin': 'round', 'stroke-linecap': 'round' }));
    const drawn = series.points.filter((p) => isNumber(p.y));
    if (drawn.length <= MAX_MARKERS) {
      for (const p of drawn) {
        group.append(s('circle', { class: 'marker', cx: round(sx(p.x)), cy: round(sy(/** @type {number} */ (p.y))), r: 3.5, stroke: series.color, 'stroke-width': 2 }));
      }
    }
    plot.append(group);
  }

  const tooltip = hover(plot, spec, xs, plotW, sx, sy, format);
  return [svg, tooltip];
}

/**
 * A vertical guide and a read-out of every series at the iteration nearest the pointer.
 * @param {SVGGElement} plot
 * @param {ChartSpec} spec
 * @param {number[]} xs
 * @param {number} plotW
 * @param {(x: number) => number} sx
 * @param {(y: number) => number} sy
 * @param {(v: number, decimals?: number) => string} format
 * @returns {HTMLElement} the tooltip, to place next to the SVG
 */
function hover(plot, spec, xs, plotW, sx, sy, format) {
  const guide = s('line', { class: 'guide', y1: 0, y2: PLOT_H, visibility: 'hidden' });
  const dots = spec.series.map((series) => s('circle', { class: 'focus', r: 5, fill: series.color, visibility: 'hidden' }));
  const overlay = s('rect', { class: 'overlay', width: plotW, height: PLOT_H, fill: 'transparent' });
  const tooltip = h('div', { class: 'tooltip', role: 'status' });
  tooltip.hidden = true;
  plot.append(guide, ...dots, overlay);

  overlay.addEventListener('pointermove', (event) => {
    const px = event.clientX - overlay.getBoundingClientRect().left;
    const x = xs.reduce((best, candidate) => (Math.abs(sx(candidate) - px) < Math.abs(sx(best) - px) ? candidate : best), xs[0]);
    const gx = round(sx(x));
    guide.setAttribute('x1', String(gx));
    guide.setAttribute('x2', String(gx));
    guide.setAttribute('visibility', 'visible');
    const rows = spec.series.map((series, i) => {
      const y = series.points.find((p) => p.x === x)?.y;
      if (isNumber(y)) {
        dots[i].setAttribute('cx', String(gx));
        dots[i].setAttribute('cy', String(round(sy(y))));
        dots[i].setAttribute('visibility', 'visible');
      } else {
        dots[i].setAttribute('visibility', 'hidden');
      }
      return h('div', {}, h('span', { class: 'swatch', style: `background:${series.color}` }), series.label, h('b', {}, isNumber(y) ? format(y) : '–'));
    });
    tooltip.replaceChildren(h('div', { class: 'tooltip-title' }, `${spec.xLabel} ${x}`), ...rows);
    tooltip.hidden = false;
    const left = MARGIN.left + gx;
    tooltip.style.left = `${left}px`;
    tooltip.style.transform = gx > plotW * 0.6 ? 'translateX(calc(-100% - 12px))' : 'translateX(12px)';
  });
  overlay.addEventListener('pointerleave', () => {
    tooltip.hidden = true;
    guide.setAttribute('visibility', 'hidden');
    for (const dot of dots) dot.setAttribute('visibility', 'hidden');
  });
  return tooltip;
}

/**
 * Runs of consecutive points that have a value; a missing value breaks the line.
 * @param {Point[]} points
 * @returns {Point[][]}
 */
function segments(points) {
  /** @type {Point[][]} */
  const out = [];
  /** @type {Point[]} */
  let current = [];
  for (const p of [...points].sort((a, b) => a.x - b.x)) {
    if (isNumber(p.y)) current.push(p);
    else if (current.length) {
      out.push(current);
      current = [];
    }
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * Round tick values (1, 2, 2.5 or 5 times a power of ten) covering [lo, hi].
 * @param {number} lo
 * @param {number} hi
 * @param {number} count  about this many intervals
 * @param {number} [max]  never above this
 * @returns {number[]}
 */
export function niceTicks(lo, hi, count, max) {
  if (hi === lo) hi = lo === 0 ? 1 : lo + Math.abs(lo);
  const step = niceStep((hi - lo) / count, [1, 2, 2.5, 5, 10]);
  const start = Math.floor(lo / step + 1e-9) * step;
  let end = Math.ceil(hi / step - 1e-9) * step;
  if (max !== undefined && end > max) end = Math.max(max, start + step);
  const ticks = [];
  for (let v = start; v <= end + step * 1e-6; v += step) ticks.push(Number(v.toFixed(12)));
  if (ticks.length < 2) ticks.push(Number((start + step).toFixed(12)));
  return ticks;
}

/**
 * Integer ticks (steps of 1, 2, 5, 10, ...) covering [lo, hi].
 * @param {number} lo
 * @param {number} hi
 * @param {number} count
 */
function integerTicks(lo, hi, count) {
  const step = Math.max(1, niceStep((hi - lo) / count, [1, 2, 5, 10]));
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) ticks.push(v);
  return ticks;
}

/**
 * @param {number} raw
 * @param {number[]} factors
 */
function niceStep(raw, factors) {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const factor = factors.find((f) => raw / power <= f + 1e-9) ?? 10;
  return factor * power;
}

/** @param {number} step */
function decimalsFor(step) {
  return Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9) + (String(step).includes('25') ? 1 : 0)));
}

/**
 * @param {number} value
 * @param {number} [decimals]  one by default
 */
function formatPercent(value, decimals = 1) {
  return `${(value * 100).toFixed(decimals)}%`;
}

/**
 * @param {number} value
 * @param {number} [decimals]  three below 10 by default, else one
 */
function formatNumber(value, decimals) {
  return value.toFixed(decimals ?? (Math.abs(value) < 10 ? 3 : 1));
}

/** @param {number} v */
function round(v) {
  return Math.round(v * 10) / 10;
}

/**
 * @param {unknown} v
 * @returns {v is number}
 */
function isNumber(v) {
  return typeof v === 'number' && Number.isFinite(v);
}
