/** A POST to a node's HTTP surface, with the bearer token when given, as the page's controls send it. */

export interface PostAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** POSTs to `url` and reads the JSON answer (60 s deadline). */
export async function postJson(url: string, token?: string): Promise<PostAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
