// Admin: the macros agents apply to tickets (GET/POST /v1/admin/macros; PUT/DELETE /v1/admin/macros/{macro} with
// If-Match): a name, a body with placeholders, a public reply or an internal note, and optional field changes.

import { field, h, time } from '../../dom.js';
import { label, t } from '../../i18n.js';
import { PRIORITIES } from '../queue.js';
import { choice, deletePanel, editor, input, listOf, openIn, rowButton, send, table } from './common.js';

const KINDS = ['public_reply', 'internal_note'];
const SETTABLE = ['open', 'pending', 'on_hold', 'resolved', 'closed'];
const path = (id) => `/v1/admin/macros/${encodeURIComponent(id)}`;

function actionsText(a) {
  const parts = [];
  if (a.status) parts.push(t('admin.macros.does.status', { status: label('status', a.status) }));
  if (a.priority) parts.push(t('admin.macros.does.priority', { priority: label('priority', a.priority) }));
  if (a.tags_add?.length) parts.push(t('admin.macros.does.tags_add', { tags: a.tags_add.join(', ') }));
  if (a.tags_remove?.length) parts.push(t('admin.macros.does.tags_remove', { tags: a.tags_remove.join(', ') }));
  return parts.length ? parts.join('; ') : '—';
}

export async function renderMacros(ctx, view) {
  let macros = [];
  const listSlot = h('div');
  const editSlot = h('div');

  async function load() {
    const { data } = await send(ctx, 'GET', '/v1/admin/macros');
    macros = data.items;
    listSlot.replaceChildren(list());
  }

  function list() {
    return table({
      id: 'macros-table',
      caption: t('admin.macros.caption'),
      columns: ['name', 'kind', 'actions_done', 'updated', 'actions'].map((c) => t(`admin.macros.column.${c}`)),
      empty: t('admin.macros.empty'),
      rows: macros.map((m) =>
        h(
          'tr',
          { 'data-macro': m.id },
          h('th', { scope: 'row' }, m.name),
          h('td', {}, label('admin.macros.kind', m.kind)),
          h('td', {}, actionsText(m.actions)),
          h('td', {}, time(m.updated_at)),
          h(
            'td',
            { class: 'row-actions' },
            rowButton(t('admin.edit'), m.name, () => openEditor(m)),
            rowButton(t('admin.delete'), m.name, () => openDelete(m), { class: 'danger' }),
          ),
        ),
      ),
    });
  }

  function closeEditor() {
    editSlot.replaceChildren(newButton);
    newButton.focus();
  }

  const reopen = (open, macro) => async () => {
    await load();
    const fresh = macros.find((m) => m.id === macro.id);
    if (fresh) return open(fresh);
    closeEditor();
    return null;
  };

  function openEditor(macro) {
    const p = 'macro';
    const a = macro?.actions || {};
    const none = [['', t('admin.macros.unchanged')]];
    const fields = [
      field(t('admin.macros.name'), input(p, 'name', macro?.name, { required: true, maxlength: '100' })),
      field(t('admin.macros.kind_label'), choice(p, 'kind', KINDS.map((k) => [k, label('admin.macros.kind', k)]), macro?.kind || 'public_reply')),
      field(t('admin.macros.body'), h('textarea', { id: `${p}-body`, name: 'body', rows: '8', required: true, value: macro?.body || '' }), t('admin.macros.body_hint')),
      h(
        'fieldset',
        {},
        h('legend', {}, t('admin.macros.actions')),
        field(t('admin.macros.status'), choice(p, 'actions.status', [...none, ...SETTABLE.map((s) => [s, label('status', s)])], a.status)),
        field(t('admin.macros.priority'), choice(p, 'actions.priority', [...none, ...PRIORITIES.map((v) => [v, label('priority', v)])], a.priority)),
        field(t('admin.macros.tags_add'), input(p, 'actions.tags_add', (a.tags_add || []).join(', ')), t('admin.macros.tags_hint')),
        field(t('admin.macros.tags_remove'), input(p, 'actions.tags_remove', (a.tags_remove || []).join(', ')), t('admin.macros.tags_hint')),
      ),
    ];
    const made = editor(ctx, {
      id: 'macro-editor',
      heading: macro ? t('admin.macros.edit_title', { name: macro.name }) : t('admin.macros.new_title'),
      fields,
      saveText: macro ? t('admin.save') : t('admin.macros.create'),
      cancel: closeEditor,
      stale: macro ? reopen(openEditor, macro) : null,
      save: async (form) => {
        const value = (name) => form.elements[name].value.trim();
        const actions = { tags_add: listOf(value('actions.tags_add')), tags_remove: listOf(value('actions.tags_remove')) };
        for (const name of ['status', 'priority']) if (value(`actions.${name}`)) actions[name] = value(`actions.${name}`);
        const body = { name: value('name'), kind: value('kind'), body: form.elements.body.value, actions };
        if (macro) await send(ctx, 'PUT', path(macro.id), { body, version: macro.version });
        else await send(ctx, 'POST', '/v1/admin/macros', { body });
        await load();
        closeEditor();
        ctx.notify(t(macro ? 'admin.macros.saved' : 'admin.macros.created', { name: body.name }), 'success');
      },
    });
    openIn(editSlot, made.card);
    return made;
  }

  function openDelete(macro) {
    const made = deletePanel(ctx, {
      heading: t('admin.macros.delete_title', { name: macro.name }),
      path: path(macro.id),
      version: macro.version,
      choices: [],
      moveLabel: '',
      cancel: closeEditor,
      stale: reopen(openDelete, macro),
      done: async () => {
        await load();
        closeEditor();
        ctx.notify(t('admin.macros.deleted', { name: macro.name }), 'success');
      },
    });
    openIn(editSlot, made.panel, made.focus);
    return made;
  }

  const newButton = h('button', { type: 'button', class: 'primary', id: 'new-macro', onclick: () => openEditor(null) }, t('admin.macros.new'));
  view.append(h('h1', { tabindex: '-1' }, t('admin.macros.title')), h('p', { class: 'lead' }, t('admin.macros.intro')), listSlot, editSlot);
  await load(); // the list and what the editor offers first, then the button that opens it
  editSlot.append(newButton);
}
