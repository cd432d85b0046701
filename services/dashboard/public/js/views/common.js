/** Pieces every page uses: page header, loading and empty states, the error panel. */
import { ApiError } from '../api.js';
import { h } from '../dom.js';

/**
 * What a page gets from the router.
 * @typedef {object} ViewContext
 * @property {HTMLElement} root            where the page renders
 * @property {Record<string, string>} params  path parameters (decoded)
 * @property {URLSearchParams} query       the route's query string
 * @property {AbortSignal} signal          aborted when the user navigates away
 * @property {(path: string, replace?: boolean) => void} navigate
 * @property {(ms: number, refresh: () => Promise<boolean>) => void} poll  repeats `refresh` while it returns true and the page is shown
 */

/**
 * @param {{ title: string | Node, subtitle?: string | Node | null, crumbs?: Node | null, actions?: Node[] }} options
 */
export function pageHeader({ title, subtitle, crumbs, actions = [] }) {
  return h(
    'div',
    { class: 'page-header' },
    h('div', {}, crumbs ? h('div', { class: 'crumbs' }, crumbs) : null, h('h1', {}, title), subtitle ? h('div', { class: 'subtitle' }, subtitle) : null),
    actions.length ? h('div', { class: 'actions' }, actions) : null,
  );
}

/** @param {string} [text] */
export function loading(text = 'Loading…') {
  return h('div', { class: 'loading', role: 'status' }, text);
}

/**
 * @param {string} title
 * @param {string | Node} [hint]
 */
export function emptyState(title, hint) {
  return h('div', { class: 'empty-state' }, h('strong', {}, title), hint ?? null);
}

/**
 * Says what failed and why, in the API's own words, with a way to try again.
 * @param {unknown} error
 * @param {() => void} [retry]
 */
export function errorPanel(error, retry) {
  const title =
    error instanceof ApiError
      ? { network: 'Cannot reach the API', graphql: 'The API answered with an error', auth: 'The API did not accept the key', http: 'Unexpected answer from the API' }[error.kind]
      : 'Something went wrong';
  const details = error instanceof ApiError && error.details.length > 1 ? error.details : [];
  const code = error instanceof ApiError && error.details.length === 1 ? error.details[0].code : undefined;
  return h(
    'div',
    { class: 'error-panel', role: 'alert', 'data-error': error instanceof ApiError ? error.kind : 'unknown' },
    h('h2', {}, title),
    h('div', { class: 'error-message' }, error instanceof Error ? error.message : String(error), code ? h('span', {}, ' ', h('code', {}, code)) : null),
    details.length
      ? h('ul', {}, details.map((d) => h('li', {}, d.message, d.code ? h('span', {}, ' ', h('code', {}, d.code)) : null, d.path ? h('span', { class: 'sub' }, ` at ${d.path}`) : null)))
      : null,
    retry ? h('div', { style: 'margin-top:10px' }, h('button', { type: 'button', class: 'button ghost small', onclick: retry }, 'Try again')) : null,
  );
}

/**
 * Whether an error only means the page was left before it finished (nothing to show).
 * @param {unknown} error
 */
export function isAbort(error) {
  return error instanceof DOMException && error.name === 'AbortError';
}

/**
 * A labelled form control.
 * @param {string} label
 * @param {...Node} controls
 */
export function field(label, ...controls) {
  return h('label', { class: 'field' }, h('span', {}, label), ...controls);
}
