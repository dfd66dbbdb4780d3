/**
 * The console's only way to the hub: same-origin HTTP calls with the caller's bearer credential
 * (an access token from /oauth/token, or an API key where the hub enables them), kept for the
 * browser tab only (sessionStorage), never in a URL.
 */

export interface Session {
  kind: 'partner' | 'account';
  partnerId?: string;
  category?: string;
  accountId?: string;
  role?: 'admin' | 'ops' | 'analyst' | 'sender';
  method: string;
}

/** An RFC 7807 problem the hub answered, with its violations. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors: { path: string; message: string }[] = [],
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

const TOKEN = 'pdp.console.credential';
let credential: string | null = sessionStorage.getItem(TOKEN);

async function problemOf(res: Response): Promise<ApiError> {
  try {
    const p = await res.json();
    if (p && typeof p === 'object') return new ApiError(res.status, p.title ?? p.error ?? res.statusText, p.detail ?? p.error_description, p.errors ?? []);
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, res.statusText || `HTTP ${res.status}`);
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (credential) headers.Authorization = `Bearer ${credential}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  if (res.status === 401 && credential) {
    logout();
    window.location.hash = '#/';
  }
  if (!res.ok) throw await problemOf(res);
  return (await res.json()) as T;
}

/** The text of a route (the Prometheus exposition of /metrics). */
export async function text(path: string): Promise<string> {
  const res = await fetch(path, { headers: credential ? { Authorization: `Bearer ${credential}` } : {} });
  if (!res.ok) throw await problemOf(res);
  return res.text();
}

/** Downloads a CSV export through the authenticated fetch (a plain link would carry no credential). */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { headers: { Accept: 'text/csv', ...(credential ? { Authorization: `Bearer ${credential}` } : {}) } });
  if (!res.ok) throw await problemOf(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

/**
 * Signs in with a client id and secret (OAuth2 client credentials, the hub's token endpoint) or
 * with an API key, then asks the hub who that is: the views follow the role it answers.
 */
export async function login(how: { clientId: string; clientSecret: string } | { apiKey: string }): Promise<Session> {
  let presented: string;
  if ('apiKey' in how) presented = how.apiKey.trim();
  else {
    const res = await fetch('/oauth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: how.clientId.trim(), client_secret: how.clientSecret }),
    });
    if (!res.ok) throw await problemOf(res);
    presented = ((await res.json()) as { access_token: string }).access_token;
  }
  credential = presented;
  try {
    const session = await api<Session>('/v1/session');
    sessionStorage.setItem(TOKEN, presented);
    return session;
  } catch (e) {
    credential = null;
    throw e;
  }
}

export async function currentSession(): Promise<Session | null> {
  if (!credential) return null;
  try {
    return await api<Session>('/v1/session');
  } catch {
    logout();
    return null;
  }
}

export function logout(): void {
  credential = null;
  sessionStorage.removeItem(TOKEN);
}

/** A page of an ops list. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The query string of defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
