// What the admin pages share: writes with If-Match, the list table, the editor card (one form for "new" and
// "edit"), what a failed write shows (412: someone else changed it, reloaded; 422 and others: the API's message
// beside the form) and deletion, which offers `move_to` when the API answers 409 still_referenced.

import { busy, field, h, hideBox, nextId, select, showError } from '../../dom.js';
import { t } from '../../i18n.js';

/** The version an ETag names ("3", W/"3"), else `fallback` (every admin object also carries `version`). */
export function versionOf(etag, fallback) {
  const match = /(\d+)/.exec(etag || '');
  return match ? Number(match[1]) : fallback;
}

/** A request of the admin API; with `version`, If-Match names it. */
export function send(ctx, method, path, { body, version, query } = {}) {
  const headers = version === undefined || version === null ? {} : { 'If-Match': `"${version}"` };
  return ctx.api.request(method, path, { body, query, headers });
}

/** "a, b,, c" -> ['a', 'b', 'c'] */
export function listOf(text) {
  return String(text || '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** A button whose accessible name says what it acts on: "Edit" shown, "Edit billing" read. */
export function rowButton(text, name, onclick, props = {}) {
  return h('button', { type: 'button', onclick, ...props }, text, h('span', { class: 'visually-hidden' }, ' ', name));
}

/** A table with a caption and column headers, or a line saying the list is empty. */
export function table({ id, caption, columns, rows, empty }) {
  if (!rows.length) return h('p', { class: 'muted', id }, empty);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id, class: 'admin-table' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((name) => h('th', { scope: 'col' }, name)))),
      h('tbody', {}, rows),
    ),
  );
}

/** A labelled text input (id from `prefix` and name). */
export function input(prefix, name, value, props = {}) {
  return h('input', { id: `${prefix}-${name.replaceAll('.', '-')}`, name, value: value ?? '', autocomplete: 'off', ...props });
}

/** A labelled select with `[value, text]` options. */
export function choice(prefix, name, options, current) {
  return select(name, options, current ?? '', { id: `${prefix}-${name.replaceAll('.', '-')}` });
}

/**
 * The editor card: a heading, the form's fields, an error box and Save/Cancel. `save(form)` writes; it throws the
 * API's error. On 412 `stale()` reloads and opens the editor again on the fresh object, whose box then says so.
 * Answers {card, box, form}.
 */
export function editor(ctx, { id, heading, fields, saveText, save, cancel, stale }) {
  const box = h('div', { class: 'alert error', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, saveText);
  const titleId = `${id}-title`;
  const form = h(
    'form',
    { id, class: 'card form-grid admin-editor', novalidate: true, 'aria-labelledby': titleId },
    h('h2', { id: titleId, tabindex: '-1' }, heading),
    fields,
    box,
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: cancel }, t('admin.cancel'))),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        await save(form);
      } catch (err) {
        await writeFailed(ctx, err, box, form, stale);
      }
    });
  });
  return { card: form, box, form };
}

/** What a failed write shows: nothing after 401 (signed out), the stale message after 412 (once reloaded), else
 * the API's message (and its 422 details beside the fields they name). A form's own check throws {message}. */
export async function writeFailed(ctx, err, box, form, stale) {
  if (err?.status === 401) return;
  if (err?.status === 412 && stale) {
    const fresh = await stale();
    if (fresh?.box) showError(fresh.box, { message: t('admin.stale') });
    else ctx.notify(t('admin.stale'), 'error');
    return;
  }
  showError(box, err, form);
}

/**
 * Deleting `name` (DELETE `path` with If-Match). When the API answers 409 still_referenced, its message (naming
 * what still refers to it) is shown with a choice of where to move them (`choices`: [value, text]) and a
 * "Move and delete" button that sends `move_to`. `done()` after the deletion; `stale()` reloads after a 412.
 */
export function deletePanel(ctx, { heading, path, version, choices, moveLabel, done, cancel, stale }) {
  const id = nextId('delete');
  const box = h('div', { class: 'alert error', hidden: true });
  const confirm = h('button', { type: 'button', class: 'danger' }, t('admin.delete_confirm'));
  const moveSlot = h('div', { class: 'move-to', hidden: true });
  const panel = h(
    'section',
    { class: 'card delete-panel', id, 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title`, tabindex: '-1' }, heading),
    box,
    moveSlot,
    h('div', { class: 'actions' }, confirm, h('button', { type: 'button', onclick: cancel }, t('admin.cancel'))),
  );

  async function remove(moveTo, button) {
    await busy(button, async () => {
      try {
        await send(ctx, 'DELETE', path, { version, query: moveTo ? { move_to: moveTo } : undefined });
        await done();
      } catch (err) {
        if (err?.status === 409 && err.code === 'still_referenced' && !moveTo) {
          offerMove(err);
          return;
        }
        await writeFailed(ctx, err, box, null, stale);
      }
    });
  }

  function offerMove(err) {
    showError(box, err);
    const picker = choice(id, 'move_to', [['', t('admin.move_to_pick')], ...choices], '');
    const move = h('button', { type: 'button', class: 'danger' }, t('admin.move_and_delete'));
    move.addEventListener('click', () => {
      if (!picker.value) {
        showError(box, { message: t('admin.move_to_missing') });
        picker.focus();
        return;
      }
      remove(picker.value, move);
    });
    moveSlot.replaceChildren(field(moveLabel, picker, t('admin.move_to_hint')), h('div', { class: 'actions' }, move));
    moveSlot.hidden = false;
    confirm.hidden = true;
    picker.focus();
  }

  confirm.addEventListener('click', () => {
    hideBox(box);
    remove(null, confirm);
  });
  return { panel, box, focus: () => confirm.focus() };
}

/** Put `card` into `slot` and move the focus to its first control (or its heading). */
export function openIn(slot, card, focus) {
  slot.replaceChildren(card);
  if (focus) focus();
  else (card.querySelector('input:not([readonly]), select, textarea') || card.querySelector('h2'))?.focus();
}
