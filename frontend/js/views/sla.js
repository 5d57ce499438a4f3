// The ticket page's SLA: a panel with each clock (first response, next response, resolution), its state in words
// and its deadline, and the audit trail's SLA and automation entries as sentences.
//
// A clock on calendar (24/7) time counts down on the wall clock from the API's due_at, redrawn every 30 s. A clock on
// business time does not: the hours between now and due_at are not all business hours, so a wall-clock countdown
// would be wrong; it says "due <local date-time>" (due_at is an instant, always right).

import { h } from '../dom.js';
import { formatDate, has, label, t } from '../i18n.js';

const TICK_MS = 30 * 1000;

/** 135 minutes -> "2 h 15 min" (catalogue words); under a minute -> "less than a minute". */
function duration(ms) {
  const minutes = Math.floor(Math.abs(ms) / 60000);
  if (minutes < 1) return t('ticket.sla.duration.under_minute');
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days) return t('ticket.sla.duration.days', { days, hours });
  if (hours) return t('ticket.sla.duration.hours', { hours, minutes: rest });
  return t('ticket.sla.duration.minutes', { minutes: rest });
}

function when(iso) {
  return iso ? formatDate(new Date(iso)) : '—';
}

/** The clock's state in words (never by colour alone): breached, warned, paused or running. */
function stateOf(clock) {
  if (clock.breached) return 'breached';
  if (clock.paused) return 'paused';
  if (clock.warned) return 'warned';
  return 'running';
}

/** The deadline line of one clock at `now`. */
function deadline(clock, now) {
  if (clock.paused || !clock.due_at) return t('ticket.sla.paused_note');
  const due = new Date(clock.due_at).getTime();
  if (clock.breached) return t('ticket.sla.breached_at', { at: when(clock.breached_at || clock.due_at) });
  if (clock.basis === 'business') return t('ticket.sla.due_business', { at: when(clock.due_at) });
  if (due <= now) return t('ticket.sla.overdue', { time: duration(now - due), at: when(clock.due_at) });
  return t('ticket.sla.due_in', { time: duration(due - now), at: when(clock.due_at) });
}

function metricName(clock) {
  const name = label('sla.metric', clock.metric);
  return clock.metric === 'next_response' && clock.cycle > 1 ? t('ticket.sla.cycle', { metric: name, cycle: clock.cycle }) : name;
}

function clockItem(clock) {
  const state = stateOf(clock);
  const line = h('span', { class: 'sla-due' });
  const item = h(
    'li',
    { class: `sla-clock sla-${state}`, 'data-metric': clock.metric, 'data-state': state },
    h('span', { class: 'sla-metric' }, metricName(clock)),
    ' ',
    h('span', { class: `sla-state sla-state-${state}` }, label('sla.state', state)),
    ' ',
    line,
    h(
      'span',
      { class: 'sla-target muted' },
      ' ',
      t(`ticket.sla.target.${clock.basis === 'business' ? 'business' : 'calendar'}`, { time: duration(clock.target_minutes * 60000) }),
    ),
  );
  const draw = (now) => line.replaceChildren(deadline(clock, now));
  draw(Date.now());
  return { item, draw };
}

/** The SLA panel of a ticket (`sla` as GET /v1/tickets/{id} answers it; null when no policy applies). Its countdowns
 * redraw every 30 s until the panel leaves the page (a refresh replaces it). */
export function slaPanel(sla) {
  const body = [];
  let clocks = [];
  if (!sla) {
    body.push(h('p', { class: 'muted' }, t('ticket.sla.none')));
  } else {
    if (sla.policy) body.push(h('p', { class: 'sla-policy' }, t('ticket.sla.policy', { policy: sla.policy })));
    clocks = (sla.clocks || []).map(clockItem);
    body.push(
      clocks.length
        ? h('ul', { class: 'sla-clocks', id: 'sla-clocks', 'aria-label': t('ticket.sla.clocks') }, clocks.map((c) => c.item))
        : h('p', { class: 'muted' }, t('ticket.sla.no_clocks')),
      h('p', { class: 'hint' }, t('ticket.sla.evaluated', { at: when(sla.evaluated_at) })),
    );
  }
  const panel = h(
    'section',
    { class: 'card sla-panel', id: 'sla-panel', 'aria-labelledby': 'sla-title' },
    h('h2', { id: 'sla-title' }, t('ticket.sla.heading')),
    body,
  );
  if (clocks.length) {
    let seen = false;
    const timer = setInterval(() => {
      if (!panel.isConnected) {
        if (seen) clearInterval(timer);
        return;
      }
      seen = true;
      const now = Date.now();
      clocks.forEach((c) => c.draw(now));
    }, TICK_MS);
  }
  return panel;
}

/** An SLA audit entry (field `sla`) in words: a clock event ({kind, metric, due_at, policy}) or an escalation
 * ({escalated: [metrics], priority: {old, new}}). Null when the entry has neither shape. */
function slaSentence(value) {
  if (value.kind && value.metric) {
    const params = { metric: label('sla.metric', value.metric), due: when(value.due_at), policy: value.policy ?? '—' };
    const key = `ticket.audit.sla.${value.kind}`;
    return has(key) ? t(key, params) : null;
  }
  if (Array.isArray(value.escalated)) {
    return t('ticket.audit.sla.escalated', {
      metrics: value.escalated.map((m) => label('sla.metric', m)).join(', '),
      old: label('priority', value.priority?.old),
      new: label('priority', value.priority?.new),
    });
  }
  return null;
}

/** A time-based automation's audit entry (field `automation`: {automation: close|remind|resolve, since, status,
 * after_days | resolve_after_days, resolves_at}) in words. Null for an unknown kind. */
function automationSentence(value) {
  const params = {
    days: value.after_days ?? value.resolve_after_days ?? '—',
    since: when(value.since),
    resolves_at: when(value.resolves_at),
  };
  if (!['close', 'remind', 'resolve'].includes(value.automation)) return null;
  return t(`ticket.audit.automation.${value.automation}`, params);
}

/** The sentence for an audit entry of field `sla` or `automation`, or null (then the caller shows old and new). */
export function slaAuditSentence(entry) {
  const value = entry.new && typeof entry.new === 'object' && !Array.isArray(entry.new) ? entry.new : null;
  if (!value) return null;
  if (entry.field === 'sla') return slaSentence(value);
  if (entry.field === 'automation') return automationSentence(value);
  return null;
}
