// The console's words: one catalogue per language (frontend/i18n/<lang>.json, the same keys in each) and one
// t(key, params) that every visible string goes through. The language comes from the agent's choice
// (localStorage), else the browser's languages, else English; dates and numbers are formatted for it with Intl.

export const LANGUAGES = ['en', 'id'];
const STORE_KEY = 'loket.lang';

let lang = 'en';
let catalogue = {};
let dateFormat = null;
let plurals = null;
let numbers = null;

/** The language the console should start in: a saved choice, else the first browser language it has. */
export function preferredLanguage() {
  const saved = safeStorage(() => localStorage.getItem(STORE_KEY));
  if (LANGUAGES.includes(saved)) return saved;
  for (const tag of navigator.languages?.length ? navigator.languages : [navigator.language || '']) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (primary === 'in') return 'id'; // the old code for Indonesian
    if (LANGUAGES.includes(primary)) return primary;
  }
  return 'en';
}

function safeStorage(action) {
  try {
    return action();
  } catch {
    return null; // storage blocked (privacy settings): the choice is not remembered
  }
}

/** The browser's own tag for `code` (en-GB rather than en) so dates look as the agent expects. */
function localeFor(code) {
  const tags = navigator.languages?.length ? navigator.languages : [navigator.language || code];
  return tags.find((tag) => String(tag).toLowerCase().split('-')[0] === code) || code;
}

/** Load a language's catalogue and make it the current one; `remember` saves the choice. */
export async function useLanguage(code, { remember = false } = {}) {
  const wanted = LANGUAGES.includes(code) ? code : 'en';
  const response = await fetch(`i18n/${wanted}.json`, { cache: 'no-cache' });
  if (!response.ok) {
    if (wanted !== 'en') return useLanguage('en', { remember }); // a catalogue that cannot load: English
    throw new Error(`HTTP ${response.status} ${response.url}`);
  }
  catalogue = await response.json();
  lang = wanted;
  const locale = localeFor(lang);
  dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  plurals = new Intl.PluralRules(locale);
  numbers = new Intl.NumberFormat(locale);
  if (remember) safeStorage(() => localStorage.setItem(STORE_KEY, lang));
  document.documentElement.lang = lang;
  return lang;
}

export function language() {
  return lang;
}

export function has(key) {
  return Object.hasOwn(catalogue, key);
}

/** t('queue.showing', {count: 3}) -> the catalogue's text with {count} filled in; an unknown key shows itself. */
export function t(key, params = {}) {
  const text = has(key) ? catalogue[key] : key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/** A count in words: the key's plural form for `count` (`key.one`, `key.other`, ...), {count} formatted. */
export function tn(key, count, params = {}) {
  const form = `${key}.${plurals ? plurals.select(count) : 'other'}`;
  return t(has(form) ? form : `${key}.other`, { ...params, count: numbers ? numbers.format(count) : count });
}

/** A value of a closed set (status, priority, channel, ...) in words: its catalogue entry `group.value`, or
 * the value with spaces for underscores when the catalogue does not know it (custom fields, newer values). */
export function label(group, value) {
  const key = `${group}.${value}`;
  return has(key) ? t(key) : String(value ?? '').replaceAll('_', ' ');
}

export function formatDate(date) {
  return (dateFormat || new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })).format(date);
}

/** Fill the static page (index.html): data-i18n="key" sets the text, data-i18n-<attribute>="key" an attribute. */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('*')) {
    for (const { name, value } of [...el.attributes]) {
      if (name === 'data-i18n') el.textContent = t(value);
      else if (name.startsWith('data-i18n-')) el.setAttribute(name.slice('data-i18n-'.length), t(value));
    }
  }
  document.title = t('app.title');
}

/** Like t(), for a sentence around elements: params may be DOM nodes; answers the strings and nodes to append.
 * tWith('ticket.merged_into', {ticket: link}) -> ['Merged into ', link, '.'] */
export function tWith(key, params = {}) {
  const text = has(key) ? catalogue[key] : key;
  return text
    .split(/(\{\w+\})/)
    .filter(Boolean)
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      return name && Object.hasOwn(params, name) ? params[name] : part;
    });
}
