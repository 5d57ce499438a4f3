// Who is signed in: the agent's ID token in sessionStorage (gone when the tab closes).
// In AWS the token comes from the Cognito Hosted UI (authorization code + PKCE); locally from the
// development issuer of the local stack, or pasted.

import { formatDate, t } from './i18n.js';

const TOKEN_KEY = 'loket.idToken';
const REFRESH_KEY = 'loket.refreshToken';
const PKCE_KEY = 'loket.pkce';
// an ID token this close to expiry is renewed before it is sent (Cognito's last one hour)
const RENEW_BEFORE_MS = 2 * 60 * 1000;

export function readToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token.trim());
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(REFRESH_KEY);
}

function fromBase64Url(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
}

function toBase64Url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The token's claims, for display only (the API checks the signature). Null if it is not a JWT. */
export function claimsOf(token) {
  const parts = String(token || '').trim().split('.');
  if (parts.length !== 3) return null;
  try {
    const claims = JSON.parse(fromBase64Url(parts[1]));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

export function userOf(token) {
  const claims = claimsOf(token);
  if (!claims) return null;
  let groups = claims['cognito:groups'] || [];
  if (typeof groups === 'string') groups = groups.replace(/[[\]]/g, '').split(/[\s,]+/);
  const role = ['admin', 'lead', 'agent'].find((r) => groups.includes(r)) || ''; // strongest first
  return {
    id: claims.sub || '',
    name: claims.name || claims.email || claims['cognito:username'] || claims.sub,
    email: claims.email || '',
    role,
    expiresAt: typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : null,
  };
}

/** Why a token cannot be used, or '' if it looks usable. */
export function tokenProblem(token) {
  const user = userOf(token);
  if (!user) return t('signin.not_a_token');
  if (user.expiresAt && user.expiresAt.getTime() <= Date.now()) {
    return t('signin.expired', { when: formatDate(user.expiresAt) });
  }
  return '';
}

// ---------------------------------------------------------------- local development tokens

/** The local stack's development tokens ({agent, admin}), or null when not served by the local stack. */
export async function developmentTokens(config) {
  if (config.apiBaseUrl || config.hostedUi) return null;
  try {
    const response = await fetch('/_local/tokens.json', { headers: { Accept: 'application/json' } });
    if (!response.ok) return null;
    const data = await response.json();
    return typeof data.agent === 'string' && typeof data.admin === 'string' ? data : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- Cognito Hosted UI (code + PKCE)

function cognitoBase(config) {
  return config.cognitoDomain.startsWith('https://') ? config.cognitoDomain : `https://${config.cognitoDomain}`;
}

export async function startHostedSignIn(config) {
  const verifier = toBase64Url(crypto.getRandomValues(new Uint8Array(48)));
  const state = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, back: window.location.hash }));
  const url = new URL('/oauth2/authorize', cognitoBase(config));
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: 'openid email profile',
    state,
    code_challenge: toBase64Url(new Uint8Array(digest)),
    code_challenge_method: 'S256',
  }).toString();
  window.location.assign(url.toString());
}

/** On the way back from the Hosted UI (?code=...&state=...): trade the code for tokens. */
export async function finishHostedSignIn(config) {
  const params = new URLSearchParams(window.location.search);
  if (!config.hostedUi || !(params.has('code') || params.has('error'))) return false;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || 'null');
  sessionStorage.removeItem(PKCE_KEY);
  window.history.replaceState(null, '', `${window.location.pathname}${saved?.back || '#/queue'}`);
  if (params.has('error')) {
    throw new Error(t('signin.failed', { reason: params.get('error_description') || params.get('error') }));
  }
  if (!saved || saved.state !== params.get('state')) {
    throw new Error(t('signin.state_mismatch'));
  }
  const response = await fetch(new URL('/oauth2/token', cognitoBase(config)), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code: params.get('code'),
      redirect_uri: config.redirectUri,
      code_verifier: saved.verifier,
    }),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok || typeof data.id_token !== 'string') {
    throw new Error(t('signin.failed', { reason: data.error_description || data.error || `HTTP ${response.status}` }));
  }
  saveToken(data.id_token);
  if (typeof data.refresh_token === 'string') sessionStorage.setItem(REFRESH_KEY, data.refresh_token);
  return true;
}

let renewing = null; // one renewal at a time, shared by the requests that wait on it

/**
 * The ID token to send: renewed first with the Hosted UI's refresh token when it is about to expire, so an
 * agent is not sent back to sign-in (and does not lose a half-written reply) every hour. When renewal fails
 * the current token is kept; the API's 401 then signs the agent out as before.
 */
export async function freshToken(config) {
  const token = readToken();
  const refresh = sessionStorage.getItem(REFRESH_KEY);
  const expiresAt = userOf(token)?.expiresAt;
  if (!config?.hostedUi || !refresh || !expiresAt || expiresAt.getTime() - Date.now() > RENEW_BEFORE_MS) return token;
  renewing ??= renew(config, refresh).finally(() => {
    renewing = null;
  });
  return renewing;
}

async function renew(config, refresh) {
  try {
    const response = await fetch(new URL('/oauth2/token', cognitoBase(config)), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: config.clientId, refresh_token: refresh }),
    });
    const data = await response.json().catch(() => ({}));
    if (response.ok && typeof data.id_token === 'string') {
      saveToken(data.id_token);
    } else {
      sessionStorage.removeItem(REFRESH_KEY); // revoked or expired: no point asking again
    }
  } catch {
    // offline for a moment: keep both and try again on the next request
  }
  return readToken();
}

/** Where to go to end the Hosted UI session too (null when not using it). */
export function hostedSignOutUrl(config) {
  if (!config.hostedUi) return null;
  const url = new URL('/logout', cognitoBase(config));
  url.search = new URLSearchParams({ client_id: config.clientId, logout_uri: config.redirectUri }).toString();
  return url.toString();
}
