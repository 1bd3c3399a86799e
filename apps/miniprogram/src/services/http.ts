import type { ErrorBody } from '@qianyue/api';
import { ApiError } from './errors.ts';

export type HttpMethod = 'GET' | 'POST';

export interface TransportRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
}

export interface TransportResponse {
  status: number;
  data: unknown;
  requestId?: string;
}

/**
 * Moves one request. Resolves for ANY HTTP status; rejects only when no answer arrived, and then with an
 * ApiError coded MP_NETWORK_FAILED or MP_NETWORK_TIMEOUT (see taro-transport.ts).
 */
export type Transport = (req: TransportRequest) => Promise<TransportResponse>;

export interface HttpRequest {
  method: HttpMethod;
  /** Path on the BFF, already filled in (`/v1/contracts/abc`). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Session token, sent as `Authorization: Bearer …`. */
  token?: string;
}

export interface HttpClient {
  send<T>(req: HttpRequest): Promise<T>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export function buildUrl(baseUrl: string, path: string, query?: HttpRequest['query']): string {
  const base = baseUrl.replace(/\/+$/, '');
  const pairs = Object.entries(query ?? {})
    .filter((kv): kv is [string, string | number | boolean] => kv[1] !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return base + path + (pairs.length > 0 ? `?${pairs.join('&')}` : '');
}

function parseBody(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  if (data === '') return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

function isErrorBody(v: unknown): v is ErrorBody {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { code?: unknown }).code === 'string' &&
    (v as { code: string }).code.length > 0
  );
}

/**
 * JSON over a Transport: 2xx → the parsed body typed by the caller (from @qianyue/api types);
 * anything else → ApiError carrying the BFF's `code` (or MP_ANSWER_MALFORMED when there is none).
 */
export function createHttpClient(o: {
  baseUrl: string | (() => string);
  transport: Transport;
  timeoutMs?: number;
}): HttpClient {
  const baseUrl = typeof o.baseUrl === 'function' ? o.baseUrl : () => o.baseUrl as string;
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    async send<T>(req: HttpRequest): Promise<T> {
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (req.body !== undefined) headers['Content-Type'] = 'application/json';
      if (req.token) headers['Authorization'] = `Bearer ${req.token}`;
      const res = await o.transport({
        method: req.method,
        url: buildUrl(baseUrl(), req.path, req.query),
        headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        timeoutMs,
      });
      const data = parseBody(res.data);
      if (res.status >= 200 && res.status < 300) return data as T;
      if (isErrorBody(data)) {
        return Promise.reject(
          new ApiError(data.code, {
            status: res.status,
            message: `BFF answered ${res.status} ${data.code}`,
            ...((data.requestId ?? res.requestId) ? { requestId: data.requestId ?? res.requestId } : {}),
          }),
        );
      }
      return Promise.reject(
        new ApiError(res.status >= 500 ? 'BFF_INTERNAL' : 'MP_ANSWER_MALFORMED', {
          status: res.status,
          message: `BFF answered ${res.status} without an error code`,
        }),
      );
    },
  };
}
