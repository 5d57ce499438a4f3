// Small DOM helpers. Everything from the API goes in as text nodes or attributes: never as HTML.
// Words the console writes itself come from the catalogue (t() in i18n.js), never from literals here.

import { formatDate, label, t } from './i18n.js';

const PROPERTIES = new Set(['value', 'checked', 'selected', 'disabled', 'hidden']);

/** h('button', {class: 'primary', onclick: fn}, 'Save') -> <button class="primary">Save</button> */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (PROPERTIES.has(key)) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** "on_hold" -> "on hold" */
export function words(value) {
  return String(value ?? '').replaceAll('_', ' ');
}

/** A date and time in the console's language (Intl), the exact ISO value as its tooltip. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  const text = Number.isNaN(date.getTime()) ? iso : formatDate(date);
  return h('time', { datetime: iso, title: iso }, text);
}

/** A status or priority badge, its name from the catalogue (status.open, priority.high). */
export function badge(kind, value) {
  return h('span', { class: `badge ${kind}-${value}` }, label(kind, value));
}

export function select(name, options, current, props = {}) {
  return h(
    'select',
    { name, id: props.id || name, ...props },
    options.map(([value, text]) => h('option', { value, selected: value === (current ?? '') }, text)),
  );
}

/** A labelled control: <div class="field"><label for=id>text</label>control<small>hint</small></div> */
export function field(text, control, hint) {
  const wrap = h('div', { class: 'field' }, h('label', { for: control.id }, text), control);
  if (hint) {
    const hintId = `${control.id}-hint`;
    wrap.append(h('small', { id: hintId, class: 'hint' }, hint));
    control.setAttribute('aria-describedby', hintId);
  }
  return wrap;
}

let uid = 0;
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** An error box (role=alert) with the API's message; 422 details go next to the fields they name. */
export function showError(box, error, form) {
  clearFieldErrors(form);
  box.replaceChildren();
  box.hidden = false;
  box.className = 'alert error';
  box.setAttribute('role', 'alert');
  const unplaced = [];
  for (const detail of error.details || []) {
    const name = String(detail.field || '').replace(/^body\.?/, '');
    const control = form && name ? findControl(form, name) : null;
    if (control) {
      const id = nextId(`${control.id || control.name}-error`);
      control.setAttribute('aria-invalid', 'true');
      control.setAttribute('aria-describedby', `${control.getAttribute('aria-describedby') || ''} ${id}`.trim());
      control.closest('.field')?.append(h('p', { class: 'field-error', id }, detail.problem));
    } else {
      unplaced.push(`${name || t('error.request')}: ${detail.problem}`);
    }
  }
  box.append(h('p', {}, error.message));
  if (unplaced.length > 1) box.append(h('ul', {}, unplaced.map((text) => h('li', {}, text))));
}

/** The control a 422 detail names: "requester.email" or, for a list item such as "tags.2", "tags". */
function findControl(form, name) {
  for (const candidate of [name, name.replace(/(\.\d+)+$/, '')]) {
    const control = form.querySelector(`[name="${CSS.escape(candidate)}"]`);
    if (control) return control;
  }
  return null;
}

export function clearFieldErrors(form) {
  if (!form) return;
  form.querySelectorAll('.field-error').forEach((el) => {
    const control = form.querySelector(`[aria-describedby~="${el.id}"]`);
    if (control) {
      const rest = control.getAttribute('aria-describedby').split(' ').filter((id) => id !== el.id);
      if (rest.length) control.setAttribute('aria-describedby', rest.join(' '));
      else control.removeAttribute('aria-describedby');
    }
    el.remove();
  });
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
}

export function hideBox(box) {
  box.hidden = true;
  box.replaceChildren();
}

/** Run an async action with the submit button disabled (a double click sends once). */
export async function busy(button, action) {
  if (button.disabled) return undefined;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}
