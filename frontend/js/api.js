// The agent API client: bearer token, JSON in and out, one error type with the API's message.

import { t } from './i18n.js';

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = Array.isArray(details) ? details : [];
  }
}

export function ticketPath(ref, tail = '') {
  return `/v1/tickets/${encodeURIComponent(ref)}${tail}`;
}

export function createApi({ baseUrl, token, onUnauthorized }) {
  async function request(method, path, { body, raw, query, headers = {} } = {}) {
    let url = `${baseUrl}${path}`;
    if (query) {
      const entries = Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '');
      if (entries.length) url += `?${new URLSearchParams(entries)}`;
    }
    const init = { method, headers: { Accept: 'application/json', ...headers } };
    const bearer = await token();
    if (bearer) init.headers.Authorization = `Bearer ${bearer}`;
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    } else if (raw !== undefined) {
      init.headers['Content-Type'] = 'application/octet-stream';
      init.body = raw;
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch {
      throw new ApiError(0, 'network_error', t('error.network'));
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      const shaped = data && typeof data.error === 'object' ? data.error : null;
      const message =
        shaped?.message || data?.message || t('error.http', { status: `${response.status} ${response.statusText}`.trim() });
      const error = new ApiError(response.status, shaped?.code || `http_${response.status}`, message, shaped?.details);
      if (response.status === 401) onUnauthorized(error);
      throw error;
    }
    return { data, etag: response.headers.get('ETag'), status: response.status };
  }

  return {
    request,
    get: (path, query) => request('GET', path, { query }),
    post: (path, body, headers) => request('POST', path, { body, headers }),
    patch: (path, body, headers) => request('PATCH', path, { body, headers }),
    /** A file for a reply or note: its bytes as the body; answers the key to name in `attachments`. */
    upload: (file) =>
      request('POST', '/v1/uploads', {
        raw: file,
        query: { filename: file.name, content_type: file.type || 'application/octet-stream' },
      }),
  };
}
