// Admin and lead: the agents (GET /v1/admin/agents). An admin creates (POST, which also makes the login), changes
// (PUT with If-Match) and deletes them (DELETE, `move_to` another agent when tickets or rules still name them). A
// lead sees the agents of their groups and changes only their availability and capacity (PATCH with If-Match):
// the page offers a lead nothing else, as the API allows nothing else.

import { field, h } from '../../dom.js';
import { label, t } from '../../i18n.js';
import { choice, deletePanel, editor, input, openIn, rowButton, send, table } from './common.js';

export const AVAILABILITY = ['available', 'away', 'offline'];
const ROLES = ['agent', 'lead', 'admin'];
const MAX_CAPACITY = 1000;
const path = (id) => `/v1/admin/agents/${encodeURIComponent(id)}`;

export async function renderAgents(ctx, view) {
  const admin = ctx.user?.role === 'admin';
  let agents = [];
  let groups = [];
  const listSlot = h('div');
  const editSlot = h('div');

  async function load() {
    const [found, known] = await Promise.all([
      send(ctx, 'GET', '/v1/admin/agents'),
      admin ? send(ctx, 'GET', '/v1/admin/groups') : Promise.resolve(null),
    ]);
    agents = found.data.items;
    groups = known ? known.data.items.map((g) => g.name) : [];
    listSlot.replaceChildren(list());
  }

  function list() {
    return table({
      id: 'agents-table',
      caption: admin ? t('admin.agents.caption') : t('admin.agents.caption_lead'),
      columns: ['email', 'name', 'role', 'groups', 'availability', 'capacity', 'actions'].map((c) => t(`admin.agents.column.${c}`)),
      empty: t('admin.agents.empty'),
      rows: agents.map((a) =>
        h(
          'tr',
          { 'data-agent': a.id },
          h('th', { scope: 'row' }, a.email),
          h('td', {}, a.name || '—'),
          h('td', {}, label('role', a.role)),
          h('td', {}, a.groups.length ? a.groups.join(', ') : '—'),
          h('td', {}, label('availability', a.availability)),
          h('td', {}, String(a.capacity)),
          h(
            'td',
            { class: 'row-actions' },
            admin
              ? [
                  rowButton(t('admin.edit'), a.email, () => openEditor(a)),
                  rowButton(t('admin.delete'), a.email, () => openDelete(a), { class: 'danger' }),
                ]
              : rowButton(t('admin.agents.limits'), a.email, () => openLimits(a)),
          ),
        ),
      ),
    });
  }

  let opened = null; // the agent whose form is open: the focus goes back to their row when it closes

  function closeEditor() {
    editSlot.replaceChildren(...(admin ? [newButton] : []));
    const row = opened && listSlot.querySelector(`tr[data-agent="${CSS.escape(opened)}"] button`);
    (row || (admin ? newButton : listSlot.querySelector('button')))?.focus();
    opened = null;
  }

  const capacity = (p, value) =>
    field(t('admin.agents.capacity'), input(p, 'capacity', String(value ?? 5), { type: 'number', min: '0', max: String(MAX_CAPACITY), step: '1', required: true }),
      t('admin.agents.capacity_hint')); // prettier-ignore
  const availability = (p, value) =>
    field(t('admin.agents.availability'), choice(p, 'availability', AVAILABILITY.map((v) => [v, label('availability', v)]), value || 'available'));

  /** A number from the capacity field, or a message for the form (the API would answer 422 too). */
  function capacityOf(form) {
    const text = form.elements.capacity.value.trim();
    if (!/^\d+$/.test(text) || Number(text) > MAX_CAPACITY) throw { message: t('admin.agents.capacity_invalid', { max: MAX_CAPACITY }) };
    return Number(text);
  }

  const reopen = (open, agent) => async () => {
    await load();
    const fresh = agents.find((a) => a.id === agent.id);
    if (fresh) return open(fresh);
    closeEditor();
    return null;
  };

  /** An admin's form for a new agent (`agent` null) or for changing one. */
  function openEditor(agent) {
    opened = agent?.id || null;
    const p = 'agent';
    const memberOf = new Set(agent?.groups || []);
    const fields = [
      field(t('admin.agents.email'), input(p, 'email', agent?.email, { type: 'email', required: true })),
      field(t('admin.agents.name'), input(p, 'name', agent?.name)),
      field(t('admin.agents.role'), choice(p, 'role', ROLES.map((r) => [r, label('role', r)]), agent?.role || 'agent'), t('admin.agents.role_hint')),
      h(
        'fieldset',
        { class: 'checks' },
        h('legend', {}, t('admin.agents.groups')),
        groups.length
          ? groups.map((name) => {
              const id = `${p}-group-${name}`;
              return h('div', { class: 'check' }, h('input', { type: 'checkbox', id, name: 'groups', value: name, checked: memberOf.has(name) }), h('label', { for: id }, name));
            })
          : h('p', { class: 'muted' }, t('admin.agents.no_groups')),
      ),
      availability(p, agent?.availability),
      capacity(p, agent?.capacity),
    ];
    const made = editor(ctx, {
      id: 'agent-editor',
      heading: agent ? t('admin.agents.edit_title', { name: agent.email }) : t('admin.agents.new_title'),
      fields,
      saveText: agent ? t('admin.save') : t('admin.agents.create'),
      cancel: closeEditor,
      stale: agent ? reopen(openEditor, agent) : null,
      save: async (form) => {
        const value = (name) => form.elements[name].value.trim();
        const body = {
          email: value('email'),
          name: value('name'),
          role: value('role'),
          groups: [...form.querySelectorAll('input[name="groups"]:checked')].map((box) => box.value),
          availability: value('availability'),
          capacity: capacityOf(form),
        };
        if (agent) await send(ctx, 'PUT', path(agent.id), { body, version: agent.version });
        else await send(ctx, 'POST', '/v1/admin/agents', { body });
        await load();
        closeEditor();
        ctx.notify(t(agent ? 'admin.agents.saved' : 'admin.agents.created', { name: body.email }), 'success');
      },
    });
    openIn(editSlot, made.card);
    return made;
  }

  /** What a lead (and an admin) may change of an agent: availability and capacity. */
  function openLimits(agent) {
    opened = agent.id;
    const p = 'limits';
    const made = editor(ctx, {
      id: 'limits-editor',
      heading: t('admin.agents.limits_title', { name: agent.email }),
      fields: [availability(p, agent.availability), capacity(p, agent.capacity)],
      saveText: t('admin.save'),
      cancel: closeEditor,
      stale: reopen(openLimits, agent),
      save: async (form) => {
        const body = { availability: form.elements.availability.value, capacity: capacityOf(form) };
        await send(ctx, 'PATCH', path(agent.id), { body, version: agent.version });
        await load();
        closeEditor();
        ctx.notify(t('admin.agents.saved', { name: agent.email }), 'success');
      },
    });
    openIn(editSlot, made.card);
    return made;
  }

  function openDelete(agent) {
    const made = deletePanel(ctx, {
      heading: t('admin.agents.delete_title', { name: agent.email }),
      path: path(agent.id),
      version: agent.version,
      choices: agents.filter((a) => a.id !== agent.id).map((a) => [a.id, a.email]),
      moveLabel: t('admin.agents.move_to'),
      cancel: closeEditor,
      stale: reopen(openDelete, agent),
      done: async () => {
        await load();
        closeEditor();
        ctx.notify(t('admin.agents.deleted', { name: agent.email }), 'success');
      },
    });
    openIn(editSlot, made.panel, made.focus);
    return made;
  }

  const newButton = h('button', { type: 'button', class: 'primary', id: 'new-agent', onclick: () => openEditor(null) }, t('admin.agents.new'));
  view.append(
    h('h1', { tabindex: '-1' }, t('admin.agents.title')),
    h('p', { class: 'lead' }, admin ? t('admin.agents.intro') : t('admin.agents.intro_lead')),
    listSlot,
    editSlot,
  );
  await load(); // the list and the groups the editor offers first, then the button that opens it
  if (admin) editSlot.append(newButton);
}
