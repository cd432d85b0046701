/** The GraphQL client and the API key the dashboard sends with every request. */

const KEY_STORAGE = 'xp.apiKey';

/**
 * A failed request: `kind` says what failed, so views can tell a rejected key from a bad query.
 * - `auth`: the API did not accept the key (HTTP 401 or UNAUTHENTICATED).
 * - `network`: the API could not be reached.
 * - `graphql`: the API answered with errors (their messages and codes are in `details`).
 * - `http`: any other non-JSON or unexpected answer.
 */
export class ApiError extends Error {
  /**
   * @param {'auth' | 'network' | 'graphql' | 'http'} kind
   * @param {string} message
   * @param {Array<{ message: string, code?: string, path?: string }>} [details]
   */
  constructor(kind, message, details = []) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    this.details = details;
  }
}

/** @returns {string | null} */
export function storedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

/** @param {string} key */
export function storeKey(key) {
  localStorage.setItem(KEY_STORAGE, key.trim());
}

export function forgetKey() {
  localStorage.removeItem(KEY_STORAGE);
}

/**
 * Takes a key handed over in the address (`/#key=xp_...`, as `xp up` prints it), keeps it, and removes
 * it from the address bar and the history so it is not bookmarked or shared by accident.
 * @returns {boolean} whether a key was found
 */
export function adoptKeyFromLocation() {
  const match = /(?:^#|[?&])key=([^&]*)/.exec(location.hash);
  if (!match) return false;
  const key = decodeURIComponent(match[1]).trim();
  const route = location.hash.slice(1).replace(match[0].slice(1), '').replace(/[?&]$/, '');
  if (key) storeKey(key);
  history.replaceState(null, '', `${location.pathname}${location.search}#${route.startsWith('/') ? route : '/runs'}`);
  return key !== '';
}

/**
 * Runs one GraphQL operation with the stored key.
 * @template T
 * @param {string} query
 * @param {Record<string, unknown>} [variables]
 * @param {{ signal?: AbortSignal }} [options]
 * @returns {Promise<T>}
 */
export async function graphql(query, variables = {}, options = {}) {
  const key = storedKey();
  if (!key) throw new ApiError('auth', 'No API key: paste one to connect.');
  /** @type {Response} */
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError('network', `Cannot reach the API at ${location.origin}/graphql: ${/** @type {Error} */ (error).message}`);
  }
  /** @type {{ data?: any, errors?: Array<{ message: string, path?: Array<string | number>, extensions?: { code?: string } }> } | undefined} */
  let body;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const errors = (body?.errors ?? []).map((e) => ({ message: e.message, code: e.extensions?.code, path: e.path?.join('.') }));
  if (response.status === 401 || errors.some((e) => e.code === 'UNAUTHENTICATED')) {
    throw new ApiError('auth', errors[0]?.message ?? 'The API did not accept this key.', errors);
  }
  if (errors.length > 0) {
    const summary = errors.length === 1 ? errors[0].message : `${errors.length} errors: ${errors[0].message}, ...`;
    throw new ApiError('graphql', summary, errors);
  }
  if (!response.ok || !body || body.data == null) {
    throw new ApiError('http', `The API answered HTTP ${response.status} ${response.statusText} without data.`);
  }
  return body.data;
}
