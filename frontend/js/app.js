// The Loket agent console: boot, sign-in state, the language and the hash router (#/queue, #/tickets/LKT-12, ...).

import { loadAgents } from './agents.js';
import { createApi } from './api.js';
import { renderAvailability } from './availability.js';
import { finishHostedSignIn, forgetToken, freshToken, hostedSignOutUrl, readToken, tokenProblem, userOf } from './auth.js';
import { loadConfig } from './config.js';
import { h } from './dom.js';
import { label, language, preferredLanguage, t, translateStatic, useLanguage } from './i18n.js';
import { installShortcuts, openShortcutHelp } from './shortcuts.js';
import { renderAdmin } from './views/admin/index.js';
import { renderCreate } from './views/create.js';
import { renderQueue } from './views/queue.js';
import { renderSignIn } from './views/signin.js';
import { renderTicket } from './views/ticket.js';

const main = document.getElementById('main');
const messages = document.getElementById('messages');
const viewSlot = document.getElementById('view');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const languagePicker = document.getElementById('language');

const ctx = {
  config: null,
  api: null,
  user: null,
  agents: new Map(), // agent id -> email (GET /v1/agents), once per sign-in
  agentsToken: null,
  agentsLoaded: null,
  flash: null, // {text, kind} shown once by the next view
  // what the keyboard shortcuts do on the current view (next, previous, open, search, reply, note, assignMe);
  // each view sets the ones it has, route() clears them
  actions: {},
  navigate(hash) {
    if (window.location.hash === hash) route();
    else window.location.hash = hash;
  },
  /** Show a message above the current view (kind: info | success | error), announced by the live region. */
  notify(text, kind = 'info') {
    const box = h('div', { class: `flash alert ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('p', {}, text));
    messages.replaceChildren(box);
  },
  /** Remember a message for the next view (after a navigation). */
  flashNext(text, kind = 'success') {
    ctx.flash = { text, kind };
  },
  signOut(message) {
    forgetToken();
    ctx.user = null;
    if (message) ctx.flash = { text: message, kind: 'error' };
    route();
  },
};

/** The pages, by the first part of the address (#/queue, #/tickets/LKT-12). A page renders into `view` and
 * starts with an <h1 tabindex="-1">; it answers false when the address names nothing it has (404). `role`: the
 * least role that may open it (the nav hides links with a data-role the agent lacks). */
const PAGES = {
  signin: { render: (view) => renderSignIn(ctx, view, route) },
  queue: { render: (view, params) => renderQueue(ctx, view, params, { quarantine: false }) },
  quarantine: { render: (view, params) => renderQueue(ctx, view, params, { quarantine: true }) },
  new: { render: (view) => renderCreate(ctx, view) },
  tickets: { render: (view, params, parts) => (parts[1] ? renderTicket(ctx, view, parts[1]) : false) },
  admin: { role: 'lead', render: (view, params, parts) => renderAdmin(ctx, view, parts[1]) },
};

const RANK = { agent: 1, lead: 2, admin: 3 };

/** Whether the signed-in agent's role is at least `role`. */
function mayOpen(role) {
  return (RANK[ctx.user?.role] || 0) >= (RANK[role] || 0);
}

function parseHash() {
  const raw = window.location.hash.replace(/^#/, '') || '/queue';
  const [path, query = ''] = raw.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
}

function renderChrome() {
  nav.hidden = !ctx.user;
  for (const item of nav.querySelectorAll('[data-role]')) item.hidden = !mayOpen(item.dataset.role);
  who.replaceChildren();
  if (!ctx.user) return;
  who.append(
    h('span', { class: 'who-name' }, ctx.user.name),
    ctx.user.role ? h('span', { class: `badge role-${ctx.user.role}` }, label('role', ctx.user.role)) : null,
    h('button', { type: 'button', class: 'link', onclick: signOutClicked }, t('app.sign_out')),
  );
}

function markCurrent(name) {
  for (const link of nav.querySelectorAll('a[data-nav]')) {
    if (link.dataset.nav === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function signOutClicked() {
  const hosted = hostedSignOutUrl(ctx.config);
  forgetToken();
  ctx.user = null;
  if (hosted) window.location.assign(hosted);
  else {
    ctx.flash = { text: t('app.signed_out'), kind: 'info' };
    route();
  }
}

let routing = 0; // the newest route() call; an older one that finishes later does not steal the focus

async function route() {
  routing += 1;
  const mine = routing;
  const { parts, params } = parseHash();
  const token = await freshToken(ctx.config);
  const problem = token ? tokenProblem(token) : '';
  if (problem) {
    forgetToken();
    ctx.flash = { text: problem, kind: 'error' };
  }
  ctx.user = token && !problem ? userOf(token) : null;
  renderChrome();
  if (ctx.user) {
    await loadAgents(ctx, token);
    if (readToken() !== token) return; // the API refused the token: signing out has shown the sign-in
    renderAvailability(ctx, who);
  }

  const view = h('div', { class: 'view' });
  viewSlot.replaceChildren(view);
  messages.replaceChildren();
  ctx.actions = {};
  if (ctx.flash) {
    const { text, kind } = ctx.flash;
    ctx.flash = null;
    ctx.notify(text, kind);
  }

  let name = parts[0] || 'queue';
  if (!ctx.user) name = 'signin';
  const myTickets = params.get('assignee') === 'me' || params.get('view') === 'mine';
  markCurrent(name === 'queue' && myTickets ? 'mine' : name);
  if (name === 'admin') markCurrent(`admin/${parts[1] || ''}`); // each admin page has its own link
  const page = Object.hasOwn(PAGES, name) ? PAGES[name] : null;
  try {
    if (!page || (page.role && !mayOpen(page.role)) || (await page.render(view, params, parts)) === false) {
      view.replaceChildren(
        h('h1', { tabindex: '-1' }, t('app.not_found')),
        h('p', {}, h('a', { href: '#/queue' }, t('app.back_to_queue'))),
      );
    }
  } catch (error) {
    if (error?.status !== 401) ctx.notify(error.message || String(error), 'error');
  }
  if (mine !== routing) return;
  const heading = view.querySelector('h1');
  document.title = heading ? t('app.page_title', { page: heading.textContent.trim() }) : t('app.title');
  // focus follows the view change: its heading, so a screen reader starts at the new page's title; unless the agent
  // already moved into the page while it loaded (`/` to the search box): their place is kept
  const movedIn = view.contains(document.activeElement) && document.activeElement !== heading;
  if (!movedIn && !document.querySelector('dialog[open]')) heading?.focus();
}

async function changeLanguage() {
  await useLanguage(languagePicker.value, { remember: true });
  translateStatic();
  await route();
  languagePicker.focus(); // the agent stays where they were, on the picker
}

async function boot() {
  await useLanguage(preferredLanguage());
  translateStatic();
  languagePicker.value = language();
  languagePicker.addEventListener('change', changeLanguage);
  ctx.config = await loadConfig();
  try {
    await finishHostedSignIn(ctx.config);
  } catch (error) {
    ctx.flash = { text: error.message, kind: 'error' };
  }
  ctx.api = createApi({
    baseUrl: ctx.config.apiBaseUrl,
    token: () => freshToken(ctx.config),
    onUnauthorized: (error) => ctx.signOut(t('app.sign_in_again', { reason: error.message })),
  });
  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    (main.querySelector('h1') || main).focus();
  });
  document.getElementById('shortcuts-button').addEventListener('click', () => openShortcutHelp());
  installShortcuts(ctx);
  window.addEventListener('hashchange', route);
  await route();
}

boot();
