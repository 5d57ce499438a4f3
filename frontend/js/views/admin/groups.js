// Admin: the groups (GET/POST /v1/admin/groups, PUT/DELETE /v1/admin/groups/{group} with If-Match). The name is
// fixed once made (tickets and rules refer to it); a group still referred to is deleted by moving what refers to it.

import { field, h } from '../../dom.js';
import { label, t } from '../../i18n.js';
import { choice, deletePanel, editor, input, openIn, rowButton, send, table } from './common.js';

export const MODES = ['round_robin', 'least_open', 'manual'];
const path = (name) => `/v1/admin/groups/${encodeURIComponent(name)}`;

export async function renderGroups(ctx, view) {
  let groups = [];
  const listSlot = h('div');
  const editSlot = h('div');

  async function load() {
    const { data } = await send(ctx, 'GET', '/v1/admin/groups');
    groups = data.items;
    listSlot.replaceChildren(list());
  }

  function list() {
    return table({
      id: 'groups-table',
      caption: t('admin.groups.caption'),
      columns: ['name', 'address', 'mode', 'description', 'actions'].map((c) => t(`admin.groups.column.${c}`)),
      empty: t('admin.groups.empty'),
      rows: groups.map((g) =>
        h(
          'tr',
          { 'data-group': g.name },
          h('th', { scope: 'row' }, g.name),
          h('td', {}, g.address || '—'),
          h('td', {}, label('admin.mode', g.assignment_mode)),
          h('td', {}, g.description || '—'),
          h(
            'td',
            { class: 'row-actions' },
            rowButton(t('admin.edit'), g.name, () => openEditor(g)),
            rowButton(t('admin.delete'), g.name, () => openDelete(g), { class: 'danger' }),
          ),
        ),
      ),
    });
  }

  function closeEditor() {
    editSlot.replaceChildren(newButton);
    newButton.focus();
  }

  /** The form for a new group (`group` null) or for changing one. */
  function openEditor(group) {
    const p = 'group';
    const fields = [
      field(t('admin.groups.name'), input(p, 'name', group?.name, { required: true, readonly: Boolean(group), maxlength: '40' }),
        group ? t('admin.groups.name_fixed') : t('admin.groups.name_hint')), // prettier-ignore
      field(t('admin.groups.address'), input(p, 'address', group?.address, { type: 'email' }), t('admin.groups.address_hint')),
      field(t('admin.groups.mode'), choice(p, 'assignment_mode', MODES.map((m) => [m, label('admin.mode', m)]), group?.assignment_mode || 'round_robin'),
        t('admin.groups.mode_hint')), // prettier-ignore
      field(t('admin.groups.description'), h('textarea', { id: `${p}-description`, name: 'description', rows: '2', maxlength: '500', value: group?.description || '' })),
    ];
    const made = editor(ctx, {
      id: 'group-editor',
      heading: group ? t('admin.groups.edit_title', { name: group.name }) : t('admin.groups.new_title'),
      fields,
      saveText: group ? t('admin.save') : t('admin.groups.create'),
      cancel: closeEditor,
      stale: async () => {
        await load();
        const fresh = groups.find((g) => g.name === group.name);
        return fresh ? openEditor(fresh) : null;
      },
      save: async (form) => {
        const value = (name) => form.elements[name].value.trim();
        const body = { assignment_mode: value('assignment_mode'), description: value('description') };
        if (value('address')) body.address = value('address');
        if (group) {
          await send(ctx, 'PUT', path(group.name), { body, version: group.version });
        } else {
          await send(ctx, 'POST', '/v1/admin/groups', { body: { name: value('name'), ...body } });
        }
        await load();
        closeEditor();
        ctx.notify(t(group ? 'admin.groups.saved' : 'admin.groups.created', { name: group?.name || value('name') }), 'success');
      },
    });
    openIn(editSlot, made.card);
    return made;
  }

  function openDelete(group) {
    const made = deletePanel(ctx, {
      heading: t('admin.groups.delete_title', { name: group.name }),
      path: path(group.name),
      version: group.version,
      choices: groups.filter((g) => g.name !== group.name).map((g) => [g.name, g.name]),
      moveLabel: t('admin.groups.move_to'),
      cancel: closeEditor,
      stale: async () => {
        await load();
        const fresh = groups.find((g) => g.name === group.name);
        if (fresh) return openDelete(fresh);
        closeEditor();
        return null;
      },
      done: async () => {
        await load();
        closeEditor();
        ctx.notify(t('admin.groups.deleted', { name: group.name }), 'success');
      },
    });
    openIn(editSlot, made.panel, made.focus);
    return made;
  }

  const newButton = h('button', { type: 'button', class: 'primary', id: 'new-group', onclick: () => openEditor(null) }, t('admin.groups.new'));
  view.append(h('h1', { tabindex: '-1' }, t('admin.groups.title')), h('p', { class: 'lead' }, t('admin.groups.intro')), listSlot, editSlot);
  await load(); // the list and what the editor offers first, then the button that opens it
  editSlot.append(newButton);
}
