/**
 * The console's only way to the server: GET /api/… with the bearer token
 * when there is one. The token arrives in the URL fragment (#token=…), which
 * browsers never send to a server; it is kept in this tab's sessionStorage
 * and removed from the address bar, so it is not bookmarked or shared by
 * copying the URL.
 */

const TOKEN_KEY = "bunseal-console-token";

export function takeTokenFromFragment(): void {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]!));
  history.replaceState(history.state, "", location.pathname + location.search);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(path: string): Promise<T> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, { method: "GET", headers: token ? { authorization: `Bearer ${token}` } : {}, credentials: "omit", cache: "no-store" });
  const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!response.ok) {
    if (response.status === 401) throw new ApiError(401, "USAGE", "This console needs its token: open it as …/#token=<the token bunseal serve was started with>.");
    throw new ApiError(response.status, body.error?.code ?? "HTTP", body.error?.message ?? `${path}: HTTP ${response.status}`);
  }
  return body as T;
}

/** A path segment for the API or a page link: any value from the data is encoded, never spliced raw. */
export const seg = (value: string) => encodeURIComponent(value);
