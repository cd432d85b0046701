/** Small DOM and formatting helpers shared by the views. */

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 * @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attributes
 */

/**
 * Creates an HTML element. Attributes starting with `on` become event listeners; `false`, `null` and
 * `undefined` attributes are left out; children may be strings, numbers, nodes or nested arrays.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes} [attributes]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  apply(element, attributes, children);
  return element;
}

/**
 * Creates an SVG element (same conventions as `h`).
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes} [attributes]
 * @param {...(Child | Child[])} children
 * @returns {SVGElementTagNameMap[K]}
 */
export function s(tag, attributes = {}, ...children) {
  const element = /** @type {SVGElementTagNameMap[K]} */ (document.createElementNS(SVG_NS, tag));
  apply(element, attributes, children);
  return element;
}

/**
 * @param {Element} element
 * @param {Attributes} attributes
 * @param {Array<Child | Child[]>} children
 */
function apply(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'object' ? child : String(child));
  }
}

/** @param {string} path  a route such as `/runs/abc` */
export function href(path) {
  return `#${path}`;
}

/** @param {string} id */
export function enc(id) {
  return encodeURIComponent(id);
}

/** @param {number | null | undefined} value */
export function percent(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  const p = value * 100;
  return `${p === 0 || p >= 10 ? p.toFixed(1) : p.toPrecision(2)}%`;
}

/**
 * @param {number | null | undefined} value
 * @param {number} [digits]
 */
export function decimal(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return value.toFixed(digits);
}

/** @param {number | null | undefined} value */
export function integer(value) {
  return value === null || value === undefined ? '–' : value.toLocaleString('en-US');
}

/** @param {string | null | undefined} iso */
export function dateTime(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** @param {string | null | undefined} iso */
export function ago(iso) {
  if (!iso) return '–';
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

/**
 * @param {string | null | undefined} from
 * @param {string | null | undefined} to
 */
export function duration(from, to) {
  if (!from) return '–';
  const ms = (to ? new Date(to).getTime() : Date.now()) - new Date(from).getTime();
  if (!(ms >= 0)) return '–';
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** @param {string | null | undefined} status */
export function statusBadge(status) {
  const value = (status ?? 'UNKNOWN').toLowerCase();
  return h('span', { class: `badge status-${value}`, 'data-status': status ?? '' }, value);
}

/**
 * A time element showing "3 min ago" with the full date as its tooltip.
 * @param {string | null | undefined} iso
 */
export function timeAgo(iso) {
  return iso ? h('time', { datetime: iso, title: dateTime(iso) }, ago(iso)) : '–';
}
