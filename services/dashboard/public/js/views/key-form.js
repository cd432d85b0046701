/** The form shown when the dashboard has no key, or the API refused the one it had. */
import { ApiError, forgetKey, graphql, storeKey } from '../api.js';
import { h } from '../dom.js';

/**
 * @param {string} message  why the form is shown again (a refused key), or ''
 * @param {() => void} done  called once a key works
 */
export function keyForm(message, done) {
  const input = h('input', {
    type: 'password', name: 'key', placeholder: 'xp_…', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-label': 'API key',
  });
  const error = h('div', { class: 'error', role: 'alert' }, message);
  const submit = h('button', { type: 'submit', class: 'button' }, 'Connect');
  const form = h('form', {}, input, error, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    submit.disabled = true;
    error.textContent = '';
    storeKey(key);
    try {
      await graphql('{ experiments { id } }');
      done();
    } catch (e) {
      forgetKey();
      error.textContent = e instanceof ApiError && e.kind === 'auth' ? `That key was not accepted: ${e.message}` : /** @type {Error} */ (e).message;
      submit.disabled = false;
      input.focus();
    }
  });
  queueMicrotask(() => input.focus());
  return h(
    'section',
    { class: 'panel key-card', 'data-page': 'key' },
    h('h1', {}, 'Connect to xp'),
    h(
      'p',
      {},
      'Paste an API key for your team. ',
      h('code', {}, 'xp up'),
      ' prints a dashboard link that carries one; ',
      h('code', {}, 'xp keys create --team <team>'),
      ' makes a new one. The key stays in this browser only.',
    ),
    form,
  );
}
