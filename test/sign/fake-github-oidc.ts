/**
 * GitHub Actions' id-token endpoint, as a job sees it: ACTIONS_ID_TOKEN_REQUEST_URL
 * (with its own query, `api-version=2.0`), a GET with
 * `Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN` and `audience=…`
 * appended, answered with `{"value": JWT}`. A wrong bearer gets 403, as a job
 * whose token was revoked would.
 */
export interface FakeGitHubOidc {
  /** the environment a job with `permissions: id-token: write` has */
  env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  /** every request's audience and whether its bearer was right */
  requests: { audience: string | null; authorized: boolean }[];
  stop(): Promise<void>;
}

export function startFakeGitHubOidc(issue: (audience: string | null) => string): FakeGitHubOidc {
  const bearer = `request-token-${crypto.randomUUID()}`;
  const requests: FakeGitHubOidc["requests"] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const url = new URL(request.url);
      if (request.method !== "GET" || url.pathname !== "/_apis/distributedtask/id-token" || url.searchParams.get("api-version") !== "2.0") return new Response("not found", { status: 404 });
      const audience = url.searchParams.get("audience");
      const authorized = request.headers.get("authorization") === `Bearer ${bearer}`;
      requests.push({ audience, authorized });
      if (!authorized) return Response.json({ message: "bad bearer" }, { status: 403 });
      return Response.json({ count: 1, value: issue(audience) });
    },
  });
  return {
    env: { ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${server.port}/_apis/distributedtask/id-token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: bearer },
    requests,
    stop: () => server.stop(true),
  };
}
