import autocannon from 'autocannon';

export interface LoadResult {
  reqPerSec: number;
  p50: number;
  p99: number;
  ok: number;
  errors: number;
}

/** One bounded autocannon run; each request takes the next bearer token (a new user) if tokens are given. */
export async function load(o: {
  url: string;
  path: string;
  method?: 'GET' | 'POST';
  body?: string;
  seconds: number;
  connections: number;
  tokens?: () => string;
  /** Fixed offered load (requests per second over all connections) instead of as fast as possible. */
  rate?: number;
}): Promise<LoadResult> {
  const r = await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.seconds,
    ...(o.rate ? { overallRate: o.rate } : {}),
    requests: [
      {
        method: o.method ?? 'POST',
        path: o.path,
        headers: { 'content-type': 'application/json' },
        ...(o.body !== undefined ? { body: o.body } : {}),
        ...(o.tokens
          ? {
              setupRequest: (req: autocannon.Request) => {
                const t = o.tokens?.() as string;
                return { ...req, headers: { ...req.headers, authorization: `Bearer ${t}` } };
              },
            }
          : {}),
      },
    ],
  });
  const ok = r['2xx'];
  return {
    reqPerSec: ok / (r.duration || o.seconds),
    p50: r.latency.p50,
    p99: r.latency.p99,
    ok,
    errors: r.non2xx + r.errors + r.timeouts,
  };
}
