// The agent directory (GET /v1/agents): emails instead of agent ids for assignees, and a list to pick from; the
// signed-in agent's own entry (groups, availability) and the groups agents belong to.
// Loaded once per sign-in; when it cannot be loaded, assignees show as ids and the inputs take ids as before.

import { h } from './dom.js';
import { t } from './i18n.js';

/** Fill ctx.agents (id -> email) once for this token; a route started meanwhile waits for the same load.
 * A failure leaves it empty: ids are shown instead. */
export function loadAgents(ctx, token) {
  if (ctx.agentsToken !== token) {
    ctx.agentsToken = token;
    ctx.agents = new Map();
    ctx.directory = new Map();
    ctx.agentsLoaded = fetchAgents(ctx);
  }
  return ctx.agentsLoaded;
}

async function fetchAgents(ctx) {
  try {
    const { data } = await ctx.api.get('/v1/agents');
    ctx.agents = new Map((data?.items || []).map((agent) => [agent.id, agent.email]));
    ctx.directory = new Map((data?.items || []).map((agent) => [agent.id, agent]));
  } catch {
    // a 401 has signed out already; anything else (an older API, the network): fall back to ids
  }
}

/** The email of an agent id, or the id itself when the directory does not know it. */
export function agentName(ctx, id) {
  return (id && ctx.agents?.get(id)) || id;
}

/** An assignee for display: the email, with the id as its tooltip. */
export function assigneeView(ctx, id) {
  if (!id) return h('span', { class: 'muted' }, t('ticket.unassigned'));
  const name = agentName(ctx, id);
  return name === id ? id : h('span', { class: 'agent', title: id }, name);
}

/** <datalist> of the directory (value = id, label = email), after any extra [value, label] options. */
export function agentOptions(ctx, id, extra = []) {
  const agents = [...(ctx.agents || new Map())].sort(([, a], [, b]) => a.localeCompare(b));
  return h(
    'datalist',
    { id },
    extra.map(([value, label]) => h('option', { value }, label)),
    agents.map(([value, email]) => h('option', { value }, email)),
  );
}

/** What was typed in an assignee input, as an agent id: "me" (or its word in the console's language, "saya") is
 * the signed-in agent (kept as "me" with keepMe, for the queue filter), an email of the directory its agent;
 * anything else is taken as an id. */
export function assigneeInput(ctx, text, { keepMe = false } = {}) {
  const value = text.trim();
  if (!value) return null;
  if (['me', t('queue.me').toLowerCase()].includes(value.toLowerCase())) return keepMe ? 'me' : ctx.user?.id || value;
  const wanted = value.toLowerCase();
  for (const [agentId, email] of ctx.agents || []) if (email.toLowerCase() === wanted) return agentId;
  return value;
}

/** The signed-in agent's directory entry ({id, email, name, groups, availability, ...}), or null when the directory
 * does not know them. */
export function me(ctx) {
  return (ctx.user?.id && ctx.directory?.get(ctx.user.id)) || null;
}

/** Every group some agent of the directory belongs to, sorted. */
export function knownGroups(ctx) {
  const names = new Set();
  for (const agent of ctx.directory?.values() || []) for (const group of agent.groups || []) names.add(group);
  return [...names].sort();
}
