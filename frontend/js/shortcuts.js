// Keyboard shortcuts for the common actions, and `?` to list them in a dialog. A shortcut never fires while the
// agent types in a field, with Ctrl/Alt/Meta held, or while a dialog is open. Views offer their actions through
// ctx.actions (next, previous, open, search, reply, note, assignMe); navigation works everywhere once signed in.

import { h } from './dom.js';
import { t } from './i18n.js';

/** Every shortcut: the keys pressed one after the other, and the catalogue key of what it does. */
export const SHORTCUTS = [
  { keys: ['g', 'q'], action: 'goQueue', text: 'shortcuts.go_queue' },
  { keys: ['g', 'm'], action: 'goMine', text: 'shortcuts.go_mine' },
  { keys: ['g', 'h'], action: 'goQuarantine', text: 'shortcuts.go_quarantine' },
  { keys: ['c'], action: 'goNew', text: 'shortcuts.new_ticket' },
  { keys: ['/'], action: 'search', text: 'shortcuts.search' },
  { keys: ['j'], action: 'next', text: 'shortcuts.next' },
  { keys: ['k'], action: 'previous', text: 'shortcuts.previous' },
  { keys: ['o'], alternative: 'Enter', action: 'open', text: 'shortcuts.open' },
  { keys: ['r'], action: 'reply', text: 'shortcuts.reply' },
  { keys: ['n'], action: 'note', text: 'shortcuts.note' },
  { keys: ['a'], action: 'assignMe', text: 'shortcuts.assign_me' },
  { keys: ['?'], action: 'help', text: 'shortcuts.help' },
];

const PREFIX_MS = 1500; // how long `g` waits for its second key

const NAVIGATION = {
  goQueue: '#/queue',
  goMine: '#/queue?view=mine',
  goQuarantine: '#/quarantine',
  goNew: '#/new',
};

function typing(target) {
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]'));
}

export function installShortcuts(ctx) {
  let prefix = null; // {key, at}
  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (typing(event.target) || document.querySelector('dialog[open]')) return;
    const key = event.key;
    const now = Date.now();
    const pending = prefix && now - prefix.at < PREFIX_MS ? prefix.key : null;
    prefix = null;
    const wanted = pending ? [pending, key] : [key];
    const shortcut = SHORTCUTS.find((s) => s.keys.join(' ') === wanted.join(' '));
    if (!shortcut) {
      if (!pending && SHORTCUTS.some((s) => s.keys.length > 1 && s.keys[0] === key)) {
        prefix = { key, at: now };
        event.preventDefault();
      }
      return;
    }
    if (shortcut.action === 'help') {
      event.preventDefault();
      openShortcutHelp();
      return;
    }
    if (!ctx.user) return; // signed out: only the list works
    if (NAVIGATION[shortcut.action]) {
      event.preventDefault();
      ctx.navigate(NAVIGATION[shortcut.action]);
      return;
    }
    const action = ctx.actions[shortcut.action];
    if (action) {
      event.preventDefault(); // `/` must not type itself into the field it focuses
      action();
    }
  });
}

function keyCaps(shortcut) {
  const caps = [];
  shortcut.keys.forEach((key, index) => {
    if (index) caps.push(` ${t('shortcuts.then')} `);
    caps.push(h('kbd', {}, key));
  });
  if (shortcut.alternative) caps.push(` ${t('shortcuts.or')} `, h('kbd', {}, t(`key.${shortcut.alternative.toLowerCase()}`)));
  return caps;
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Keep Tab inside a modal dialog: past the last control back to the first, and the other way round. */
export function trapFocus(dialog) {
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return;
    const items = [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => !el.closest('[hidden]'));
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (document.activeElement === last || !dialog.contains(document.activeElement))) {
      event.preventDefault();
      first.focus();
    }
  });
}

/** A modal dialog (aria-modal, focus kept inside, Escape closes, focus returns to where it was). */
export function modalDialog({ id, title, content }) {
  const opener = document.activeElement;
  const titleId = `${id}-title`;
  const close = h('button', { type: 'button', class: 'primary' }, t('dialog.close'));
  const dialog = h(
    'dialog',
    { id, class: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, title),
    content,
    h('div', { class: 'actions' }, close),
  );
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  });
  trapFocus(dialog);
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
  return dialog;
}

export function openShortcutHelp() {
  if (document.getElementById('shortcut-help')) return;
  modalDialog({
    id: 'shortcut-help',
    title: t('shortcuts.title'),
    content: [
      h('p', { class: 'muted' }, t('shortcuts.intro')),
      h(
        'table',
        { class: 'shortcuts' },
        h('caption', { class: 'visually-hidden' }, t('shortcuts.title')),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('shortcuts.keys')), h('th', { scope: 'col' }, t('shortcuts.action')))),
        h(
          'tbody',
          {},
          SHORTCUTS.map((s) => h('tr', {}, h('td', {}, keyCaps(s)), h('td', {}, t(s.text)))),
        ),
      ),
    ],
  });
}
