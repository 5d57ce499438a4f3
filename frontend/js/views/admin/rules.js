// Admin: the routing rules, in order (GET/POST /v1/admin/rules; PUT/DELETE /v1/admin/rules/{rule} with If-Match),
// moved up and down with buttons (PUT /v1/admin/rules/order, every rule's id in the new order), tried against a
// ticket (POST /v1/admin/rules/{rule}/test, which changes nothing), and the rule set's settings (first or all
// matches, the default group: GET/PUT /v1/admin/routing with If-Match).

import { busy, field, h, hideBox, showError } from '../../dom.js';
import { label, t } from '../../i18n.js';
import { PRIORITIES } from '../queue.js';
import { choice, deletePanel, editor, input, listOf, openIn, rowButton, send, table, versionOf, writeFailed } from './common.js';

const FIELDS = ['subject', 'body', 'subject_or_body', 'requester_email', 'requester_domain', 'channel', 'form_category', 'language', 'tags', 'priority'];
const OPERATORS = ['contains', 'not_contains', 'is', 'is_not', 'starts_with', 'ends_with', 'in', 'matches'];
const path = (id, tail = '') => `/v1/admin/rules/${encodeURIComponent(id)}${tail}`;

/** A condition's field in words: the catalogue's name, or custom.<name> as it is. */
const fieldName = (name) => label('admin.rules.field', name);

function valueText(value) {
  return Array.isArray(value) ? value.join(', ') : String(value ?? '');
}

function conditionText(c) {
  return t('admin.rules.condition', { field: fieldName(c.field), operator: label('admin.rules.op', c.operator), value: valueText(c.value) });
}

function whenText(conditions) {
  const parts = [];
  if (conditions.all?.length) parts.push(t('admin.rules.when_all', { conditions: conditions.all.map(conditionText).join('; ') }));
  if (conditions.any?.length) parts.push(t('admin.rules.when_any', { conditions: conditions.any.map(conditionText).join('; ') }));
  return parts.join(' ');
}

/** What actions (or a test's would_set) do, in words: "group billing; priority high; tags +vip". */
function actionsText(ctx, a) {
  const parts = [];
  if (a.group) parts.push(t('admin.rules.does.group', { group: a.group }));
  if (a.priority) parts.push(t('admin.rules.does.priority', { priority: label('priority', a.priority) }));
  if (a.type) parts.push(t('admin.rules.does.type', { type: a.type }));
  if (a.assignee) parts.push(t('admin.rules.does.assignee', { agent: ctx.agents?.get(a.assignee) || a.assignee }));
  if (a.tags_add?.length) parts.push(t('admin.rules.does.tags', { tags: a.tags_add.join(', ') }));
  return parts.length ? parts.join('; ') : t('admin.rules.does.nothing');
}

export async function renderRules(ctx, view) {
  let rules = [];
  let groups = [];
  let agents = [];
  let settings = null;
  const listSlot = h('div');
  const editSlot = h('div');
  const settingsSlot = h('div');
  const testSlot = h('div');

  async function load() {
    const [found, known, people, routing] = await Promise.all([
      send(ctx, 'GET', '/v1/admin/rules'),
      send(ctx, 'GET', '/v1/admin/groups'),
      send(ctx, 'GET', '/v1/admin/agents'),
      send(ctx, 'GET', '/v1/admin/routing'),
    ]);
    rules = found.data.items;
    groups = known.data.items.map((g) => g.name);
    agents = people.data.items;
    settings = { ...routing.data, version: versionOf(routing.etag, routing.data.version) };
    listSlot.replaceChildren(list());
    settingsSlot.replaceChildren(settingsForm());
    testSlot.replaceChildren(testForm());
  }

  function list() {
    return table({
      id: 'rules-table',
      caption: t('admin.rules.caption'),
      columns: ['position', 'name', 'enabled', 'when', 'then', 'actions'].map((c) => t(`admin.rules.column.${c}`)),
      empty: t('admin.rules.empty'),
      rows: rules.map((r, index) =>
        h(
          'tr',
          { 'data-rule': r.id },
          h('td', {}, String(index + 1)),
          h('th', { scope: 'row' }, r.name),
          h('td', {}, r.enabled ? t('admin.yes') : t('admin.no')),
          h('td', {}, whenText(r.conditions)),
          h('td', {}, actionsText(ctx, r.actions)),
          h(
            'td',
            { class: 'row-actions' },
            rowButton(t('admin.rules.up'), r.name, () => move(r, -1), { disabled: index === 0, 'data-move': 'up' }),
            rowButton(t('admin.rules.down'), r.name, () => move(r, 1), { disabled: index === rules.length - 1, 'data-move': 'down' }),
            rowButton(t('admin.edit'), r.name, () => openEditor(r)),
            rowButton(t('admin.rules.test'), r.name, () => openTest(r)),
            rowButton(t('admin.delete'), r.name, () => openDelete(r), { class: 'danger' }),
          ),
        ),
      ),
    });
  }

  /** Move a rule one place up (-1) or down (1): every rule's id in the new order, in one request. The focus stays
   * on the moved rule's button (the other one when it reached the end). */
  async function move(rule, step) {
    const order = rules.map((r) => r.id);
    const at = order.indexOf(rule.id);
    const to = at + step;
    if (to < 0 || to >= order.length) return;
    [order[at], order[to]] = [order[to], order[at]];
    try {
      const { data } = await send(ctx, 'PUT', '/v1/admin/rules/order', { body: { order } });
      rules = data.items;
      listSlot.replaceChildren(list());
      ctx.notify(t('admin.rules.moved', { name: rule.name, position: to + 1 }), 'success');
    } catch (err) {
      if (err?.status === 401) return;
      await load(); // the rules changed meanwhile: show them as they are now
      ctx.notify(err.status === 422 || err.status === 412 ? t('admin.rules.order_stale') : err.message, 'error');
    }
    const row = listSlot.querySelector(`tr[data-rule="${CSS.escape(rule.id)}"]`);
    const wanted = row?.querySelector(`button[data-move="${step < 0 ? 'up' : 'down'}"]`);
    (wanted && !wanted.disabled ? wanted : row?.querySelector('button[data-move]:not([disabled])'))?.focus();
  }

  function closeEditor() {
    editSlot.replaceChildren(newButton);
    newButton.focus();
  }

  /** One condition's row of the editor: field, operator, value and a Remove button. */
  function conditionRow(list, index, condition) {
    const p = `cond-${list}-${index}`;
    const name = `conditions.${list}.${index}`;
    const fieldInput = h('input', { id: `${p}-field`, name: `${name}.field`, value: condition?.field || 'subject', list: 'rule-fields', autocomplete: 'off', required: true });
    const row = h(
      'div',
      { class: 'condition', 'data-list': list },
      field(t('admin.rules.cond_field', { n: index + 1 }), fieldInput),
      field(t('admin.rules.cond_operator', { n: index + 1 }), choice(p, `${name}.operator`, OPERATORS.map((o) => [o, label('admin.rules.op', o)]), condition?.operator || 'contains')),
      field(t('admin.rules.cond_value', { n: index + 1 }), input(p, `${name}.value`, condition ? valueText(condition.value) : '', { required: true })),
    );
    row.append(h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => removeCondition(row) }, t('admin.rules.remove_condition', { n: index + 1 }))));
    return row;
  }

  function removeCondition(row) {
    const box = row.parentElement;
    const listName = row.dataset.list;
    row.remove();
    renumber(box, listName);
    box.querySelector('.add-condition')?.focus();
  }

  /** Rebuild a list's rows with numbers and names that follow their order (after a removal). */
  function renumber(box, listName) {
    const kept = [...box.querySelectorAll('.condition')].map(readCondition);
    box.querySelectorAll('.condition').forEach((el) => el.remove());
    const adder = box.querySelector('.add-condition');
    kept.forEach((c, i) => box.insertBefore(conditionRow(listName, i, c), adder.parentElement));
  }

  function readCondition(row) {
    const [fieldEl, operatorEl, valueEl] = row.querySelectorAll('input, select');
    const operator = operatorEl.value;
    const text = valueEl.value.trim();
    const many = operator === 'in' || (operator !== 'matches' && text.includes(','));
    return { field: fieldEl.value.trim(), operator, value: many ? listOf(text) : text };
  }

  function conditionList(listName, legend, hint, conditions) {
    const box = h('fieldset', { class: 'conditions', 'data-list': listName }, h('legend', {}, legend), h('p', { class: 'hint' }, hint));
    const adder = h('button', { type: 'button', class: 'add-condition' }, t(`admin.rules.add_${listName}`));
    box.append(h('div', { class: 'actions' }, adder));
    const add = (condition) => {
      const count = box.querySelectorAll('.condition').length;
      const row = conditionRow(listName, count, condition);
      box.insertBefore(row, adder.parentElement);
      return row;
    };
    adder.addEventListener('click', () => add(null).querySelector('input').focus());
    (conditions || []).forEach((c) => add(c));
    return box;
  }

  function openEditor(rule) {
    const p = 'rule';
    const a = rule?.actions || {};
    const none = [['', t('admin.rules.unchanged')]];
    const fields = [
      field(t('admin.rules.name'), input(p, 'name', rule?.name, { required: true, maxlength: '100' })),
      h('div', { class: 'check' }, h('input', { type: 'checkbox', id: `${p}-enabled`, name: 'enabled', checked: rule ? rule.enabled : true }), h('label', { for: `${p}-enabled` }, t('admin.rules.enabled'))),
      h('datalist', { id: 'rule-fields' }, FIELDS.map((name) => h('option', { value: name }, fieldName(name)))),
      conditionList('all', t('admin.rules.all'), t('admin.rules.all_hint'), rule ? rule.conditions.all : [{ field: 'subject', operator: 'contains', value: '' }]),
      conditionList('any', t('admin.rules.any'), t('admin.rules.any_hint'), rule?.conditions.any),
      h(
        'fieldset',
        {},
        h('legend', {}, t('admin.rules.then')),
        field(t('admin.rules.action.group'), choice(p, 'actions.group', [...none, ...groups.map((g) => [g, g])], a.group)),
        field(t('admin.rules.action.priority'), choice(p, 'actions.priority', [...none, ...PRIORITIES.map((v) => [v, label('priority', v)])], a.priority)),
        field(t('admin.rules.action.type'), input(p, 'actions.type', a.type)),
        field(t('admin.rules.action.assignee'), choice(p, 'actions.assignee', [...none, ...agents.map((x) => [x.id, x.email])], a.assignee)),
        field(t('admin.rules.action.tags_add'), input(p, 'actions.tags_add', (a.tags_add || []).join(', ')), t('admin.rules.tags_hint')),
      ),
    ];
    const made = editor(ctx, {
      id: 'rule-editor',
      heading: rule ? t('admin.rules.edit_title', { name: rule.name }) : t('admin.rules.new_title'),
      fields,
      saveText: rule ? t('admin.save') : t('admin.rules.create'),
      cancel: closeEditor,
      stale: rule
        ? async () => {
            await load();
            const fresh = rules.find((r) => r.id === rule.id);
            if (fresh) return openEditor(fresh);
            closeEditor();
            return null;
          }
        : null,
      save: async (form) => {
        const value = (name) => form.elements[name].value.trim();
        const conditions = { all: [], any: [] };
        for (const row of form.querySelectorAll('.condition')) conditions[row.dataset.list].push(readCondition(row));
        const actions = { tags_add: listOf(value('actions.tags_add')) };
        for (const name of ['group', 'priority', 'type', 'assignee']) if (value(`actions.${name}`)) actions[name] = value(`actions.${name}`);
        const body = { name: value('name'), enabled: form.elements.enabled.checked, conditions, actions };
        if (rule) await send(ctx, 'PUT', path(rule.id), { body, version: rule.version });
        else await send(ctx, 'POST', '/v1/admin/rules', { body });
        await load();
        closeEditor();
        ctx.notify(t(rule ? 'admin.rules.saved' : 'admin.rules.created', { name: body.name }), 'success');
      },
    });
    openIn(editSlot, made.card);
    return made;
  }

  function openDelete(rule) {
    const made = deletePanel(ctx, {
      heading: t('admin.rules.delete_title', { name: rule.name }),
      path: path(rule.id),
      version: rule.version,
      choices: [],
      moveLabel: '',
      cancel: closeEditor,
      stale: async () => {
        await load();
        const fresh = rules.find((r) => r.id === rule.id);
        if (fresh) return openDelete(fresh);
        closeEditor();
        return null;
      },
      done: async () => {
        await load();
        closeEditor();
        ctx.notify(t('admin.rules.deleted', { name: rule.name }), 'success');
      },
    });
    openIn(editSlot, made.panel, made.focus);
    return made;
  }

  /** "Test a rule against a ticket": whether it matches, what it and the whole rule set would do. */
  function testForm() {
    const p = 'rule-test';
    const box = h('div', { class: 'alert error', hidden: true });
    const result = h('div', { class: 'test-result', role: 'status' });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('admin.rules.test_run'));
    const form = h(
      'form',
      { id: 'rule-test', class: 'card form-grid', novalidate: true, 'aria-labelledby': `${p}-title` },
      h('h2', { id: `${p}-title` }, t('admin.rules.test_title')),
      field(t('admin.rules.test_rule'), choice(p, 'rule', rules.map((r) => [r.id, r.name]), rules[0]?.id)),
      field(t('admin.rules.test_ticket'), input(p, 'ticket', '', { required: true, placeholder: t('ticket.merge.placeholder') }), t('admin.rules.test_ticket_hint')),
      box,
      h('div', { class: 'actions' }, submit),
      result,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      busy(submit, async () => {
        hideBox(box);
        result.replaceChildren();
        const ruleId = form.elements.rule.value;
        const ticket = form.elements.ticket.value.trim();
        if (!ruleId || !ticket) {
          showError(box, { message: t('admin.rules.test_missing') }, form);
          return;
        }
        try {
          const { data } = await send(ctx, 'POST', path(ruleId, '/test'), { body: { ticket } });
          result.replaceChildren(trial(data));
        } catch (err) {
          await writeFailed(ctx, err, box, form, null);
        }
      });
    });
    return form;
  }

  function trial(data) {
    const rule = rules.find((r) => r.id === data.rule);
    const decision = data.rule_set;
    const names = decision.rules.map((id) => rules.find((r) => r.id === id)?.name || id);
    return h(
      'div',
      { class: `alert ${data.matches ? 'success' : 'info'}` },
      h('p', {}, h('strong', {}, t(data.matches ? 'admin.rules.test_matches' : 'admin.rules.test_no_match', { rule: rule?.name || data.rule, ticket: data.ticket }))),
      data.would_set ? h('p', {}, t('admin.rules.test_would', { changes: actionsText(ctx, data.would_set) })) : null,
      h(
        'p',
        {},
        names.length
          ? t('admin.rules.test_rule_set', { rules: names.join(', '), changes: actionsText(ctx, decision) })
          : t('admin.rules.test_rule_set_none'),
        decision.default_group ? ` ${t('admin.rules.test_default_group')}` : '',
      ),
    );
  }

  function openTest(rule) {
    const form = testSlot.querySelector('form');
    form.elements.rule.value = rule.id;
    form.elements.ticket.focus();
  }

  /** How the rule set applies (first or all matches) and the default group. */
  function settingsForm() {
    const p = 'routing';
    const made = editor(ctx, {
      id: 'routing-settings',
      heading: t('admin.rules.settings_title'),
      fields: [
        field(t('admin.rules.mode'), choice(p, 'mode', ['first', 'all'].map((m) => [m, t(`admin.rules.mode_${m}`)]), settings.mode)),
        field(t('admin.rules.default_group'), choice(p, 'default_group', (groups.includes(settings.default_group) ? groups : [settings.default_group, ...groups]).map((g) => [g, g]), settings.default_group),
          t('admin.rules.default_group_hint')), // prettier-ignore
      ],
      saveText: t('admin.rules.settings_save'),
      cancel: () => {
        settingsSlot.replaceChildren(settingsForm());
      },
      stale: async () => {
        await load();
        return { box: settingsSlot.querySelector('.alert.error') };
      },
      save: async (form) => {
        const body = { mode: form.elements.mode.value, default_group: form.elements.default_group.value };
        const { data, etag } = await send(ctx, 'PUT', '/v1/admin/routing', { body, version: settings.version });
        settings = { ...data, version: versionOf(etag, data.version) };
        settingsSlot.replaceChildren(settingsForm());
        ctx.notify(t('admin.rules.settings_saved'), 'success');
      },
    });
    made.card.querySelector('h2').removeAttribute('tabindex');
    return made.card;
  }

  const newButton = h('button', { type: 'button', class: 'primary', id: 'new-rule', onclick: () => openEditor(null) }, t('admin.rules.new'));
  view.append(h('h1', { tabindex: '-1' }, t('admin.rules.title')), h('p', { class: 'lead' }, t('admin.rules.intro')), settingsSlot, listSlot, editSlot, testSlot);
  await load(); // the list and what the editor offers first, then the button that opens it
  editSlot.append(newButton);
}
