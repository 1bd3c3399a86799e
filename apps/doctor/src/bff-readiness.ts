import type { Dispatcher } from 'undici';
import { request } from 'undici';

// The BFF's readiness route (packages/api routes.ready): 200 when its database answers and its keys are loaded.
const READY_PATH = '/readyz';

/** Where the BFF configured by `BFF_HOST` / `BFF_PORT` answers on this host. */
export function localBffUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

export type Readiness = { ready: true } | { ready: false; why: string };

/** Asks a running BFF whether it is ready; never throws. */
export async function askReadiness(
  baseUrl: string,
  timeoutMs: number,
  dispatcher?: Dispatcher,
): Promise<Readiness> {
  try {
    const res = await request(`${baseUrl}${READY_PATH}`, {
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(dispatcher ? { dispatcher } : {}),
    });
    const body = (await res.body.json().catch(() => undefined)) as
      | { status?: string; checks?: { database?: string }; code?: string; message?: string }
      | undefined;
    if (res.statusCode === 200 && body?.checks?.database === 'ok') return { ready: true };
    return {
      ready: false,
      why: `it answered HTTP ${res.statusCode}${body?.code ? ` ${body.code}` : ''}${body?.message ? ` (${body.message})` : ''}`,
    };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { ready: false, why: `nothing answered (${typeof code === 'string' ? code : 'no connection'})` };
  }
}
