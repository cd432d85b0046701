/** Entry point: takes the key from the address, then routes `#/...` to a page. */
import { adoptKeyFromLocation, ApiError, forgetKey, storedKey } from './api.js';
import { errorPanel, isAbort } from './views/common.js';
import { compareView } from './views/compare.js';
import { keyForm } from './views/key-form.js';
import { leaderboardView } from './views/leaderboard.js';
import { lineageView } from './views/lineage.js';
import { runView } from './views/run.js';
import { runsView } from './views/runs.js';
import { samplesView } from './views/samples.js';

/**
 * @typedef {import('./views/common.js').ViewContext} ViewContext
 * @typedef {{ pattern: RegExp, names: string[], view: (ctx: ViewContext) => Promise<void>, nav: string }} Route
 */

/** @type {Route[]} */
const ROUTES = [
  { pattern: /^\/runs$/, names: [], view: runsView, nav: 'runs' },
  { pattern: /^\/runs\/(.+)\/samples$/, names: ['id'], view: samplesView, nav: 'runs' },
  { pattern: /^\/runs\/(.+)$/, names: ['id'], view: runView, nav: 'runs' },
  { pattern: /^\/leaderboard$/, names: [], view: leaderboardView, nav: 'leaderboard' },
  { pattern: /^\/compare$/, names: [], view: compareView, nav: 'compare' },
  { pattern: /^\/lineage(?:\/(.+))?$/, names: ['id'], view: lineageView, nav: 'lineage' },
];

const root = /** @type {HTMLElement} */ (document.getElementById('view'));
const signOut = /** @type {HTMLButtonElement} */ (document.getElementById('sign-out'));
const nav = /** @type {HTMLElement} */ (document.querySelector('nav.nav'));
const refreshStatus = /** @type {HTMLElement} */ (document.getElementById('refresh-status'));

/** The page being shown: aborting it cancels its requests and its polling. */
let current = new AbortController();

/**
 * @param {string} path
 * @param {boolean} [replace]
 */
function navigate(path, replace = false) {
  if (replace || location.hash === `#${path}`) {
    // Same address (e.g. "Show" with unchanged choices): no hashchange comes, so render here.
    if (replace) history.replaceState(null, '', `#${path}`);
    render();
  } else {
    location.hash = path;
  }
}

/**
 * @param {string} message
 */
function showKeyForm(message = '') {
  current.abort();
  current = new AbortController();
  signOut.hidden = true;
  nav.hidden = true;
  refreshStatus.textContent = '';
  root.replaceChildren(keyForm(message, () => render()));
}

async function render() {
  current.abort();
  const controller = new AbortController();
  current = controller;
  if (!storedKey()) return showKeyForm();
  signOut.hidden = false;
  nav.hidden = false;
  refreshStatus.textContent = '';

  const [path, search = ''] = location.hash.replace(/^#/, '').split('?');
  const route = ROUTES.find((r) => r.pattern.test(path));
  if (!route) return navigate('/runs', true);
  const match = /** @type {RegExpExecArray} */ (route.pattern.exec(path));
  /** @type {Record<string, string>} */
  const params = {};
  route.names.forEach((name, i) => {
    if (match[i + 1] !== undefined) params[name] = decodeURIComponent(match[i + 1]);
  });
  setNav(route.nav);

  /** @type {ViewContext} */
  const ctx = {
    root,
    params,
    query: new URLSearchParams(search),
    signal: controller.signal,
    navigate,
    poll: (ms, refresh) => schedule(controller.signal, ms, refresh),
  };
  try {
    await route.view(ctx);
  } catch (error) {
    if (isAbort(error) || controller.signal.aborted) return;
    if (error instanceof ApiError && error.kind === 'auth') return showKeyForm(error.message);
    root.replaceChildren(errorPanel(error, () => render()));
  }
}

/**
 * Calls `refresh` every `ms` while it returns true, the page is still shown and the tab is visible.
 * @param {AbortSignal} signal
 * @param {number} ms
 * @param {() => Promise<boolean>} refresh
 */
function schedule(signal, ms, refresh) {
  refreshStatus.textContent = 'live';
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const tick = async () => {
    if (signal.aborted) return;
    if (document.hidden) {
      timer = setTimeout(tick, ms);
      return;
    }
    try {
      const again = await refresh();
      if (signal.aborted) return;
      if (again) timer = setTimeout(tick, ms);
      else refreshStatus.textContent = '';
    } catch (error) {
      if (isAbort(error) || signal.aborted) return;
      if (error instanceof ApiError && error.kind === 'auth') return showKeyForm(error.message);
      refreshStatus.textContent = 'refresh failed, retrying';
      timer = setTimeout(tick, ms * 2);
    }
  };
  timer = setTimeout(tick, ms);
  signal.addEventListener('abort', () => clearTimeout(timer));
}

/** @param {string} nav */
function setNav(nav) {
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.getAttribute('data-nav') === nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

signOut.addEventListener('click', () => {
  forgetKey();
  showKeyForm();
});
window.addEventListener('hashchange', () => {
  adoptKeyFromLocation();
  render();
});

adoptKeyFromLocation();
render();
