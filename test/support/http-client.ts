/**
 * A browser-like HTTP client for tests: keeps cookies, remembers the CSRF token from /api/session or login,
 * and sends it on unsafe methods unless told not to.
 */
export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** false: send no X-CSRF-Token; a string: send that instead of the remembered one. */
  csrf?: boolean | string;
}

export class TestClient {
  readonly baseUrl: string;
  readonly cookies = new Map<string, string>();
  csrfToken: string | null = null;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader;
    const unsafe = !['GET', 'HEAD'].includes(method);
    if (unsafe && options.csrf !== false) {
      const token = typeof options.csrf === 'string' ? options.csrf : this.csrfToken;
      if (token) headers['x-csrf-token'] = token;
    }
    let body: BodyInit | undefined;
    if (options.body instanceof FormData || typeof options.body === 'string' || options.body instanceof Uint8Array) {
      body = options.body as BodyInit;
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(this.baseUrl + path, { method, headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.#takeCookie(line);
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const parsed = type.includes('application/json') && text ? JSON.parse(text) : text;
    if (parsed && typeof parsed === 'object' && typeof parsed.csrfToken === 'string') this.csrfToken = parsed.csrfToken;
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  get = <T = any>(path: string, options?: RequestOptions) => this.request<T>('GET', path, options);
  post = <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
    this.request<T>('POST', path, { ...options, body });
  put = <T = any>(path: string, body?: unknown, options?: RequestOptions) => this.request<T>('PUT', path, { ...options, body });
  patch = <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
    this.request<T>('PATCH', path, { ...options, body });
  delete = <T = any>(path: string, options?: RequestOptions) => this.request<T>('DELETE', path, options);

  /** Another tab of the same browser (its cookies and token), on this server or another node at `baseUrl`. */
  sameBrowser(baseUrl = this.baseUrl): TestClient {
    const other = new TestClient(baseUrl);
    for (const [name, value] of this.cookies) other.cookies.set(name, value);
    other.csrfToken = this.csrfToken;
    return other;
  }

  /** GET /api/session, as the web client does at start and after a 401/403. */
  session = () => this.get('/api/session');

  login = (handle: string, password: string) => this.post('/api/auth/login', { handle, password });

  #takeCookie(line: string) {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((a) => /^\s*expires=thu, 01 jan 1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}
