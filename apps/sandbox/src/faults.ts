import { badControlRequest } from './errors.ts';
import type { Prng } from './prng.ts';

/** Faults on APIv3 answers. Rates are probabilities in [0, 1]. */
export interface RouteFaults {
  /** Added before the answer. */
  latencyMs?: number;
  /** The request is held back `timeoutMs` before anything is processed, so the client's own timeout fires. */
  timeoutRate?: number;
  /** The request IS processed, then the answer is held back `timeoutMs` (the client times out not knowing
   *  whether it happened). */
  timeoutAfterRate?: number;
  /** How long a `timeoutRate` / `timeoutAfterRate` request is held back, in ms (default 3000). */
  timeoutMs?: number;
  /** 500 SYSTEM_ERROR before anything is processed. */
  systemErrorRate?: number;
  /** Process the request, then answer 500 SYSTEM_ERROR anyway (the "did it happen?" case). */
  systemErrorAfterRate?: number;
  /** 429 RATELIMIT_EXCEEDED before anything is processed (on /sns/jscode2session: errcode 45011). */
  rateLimitRate?: number;
  /** 503 SERVICE_UNAVAILABLE (overload protection) before anything is processed. */
  serviceUnavailableRate?: number;
  /** An error answer (status >= 400) goes out with no Wechatpay-* headers at all (Request-ID only), as the
   *  SDKs observe on some real error answers; the rest stay signed unless signErrorAnswers is off. */
  unsignedErrorRate?: number;
  /** Answer signed over different bytes. */
  badSignatureRate?: number;
  /** Answer carries a Wechatpay-Serial no client knows. */
  unknownSerialRate?: number;
  /** Answer carries a WECHATPAY/SIGNTEST/ probe signature. */
  probeSignatureRate?: number;
}

/** Faults on notification deliveries. */
export interface NotifyFaults {
  /** The first delivery of a notification is not sent (logged as `dropped`); the retry schedule continues. */
  dropFirstRate?: number;
  /** After a successful delivery the same notification is sent again. */
  duplicateRate?: number;
  /** The first delivery is sent twice at the same moment. */
  concurrentDuplicateRate?: number;
  /** The notification is held back until the next one for the same URL has been sent (or reorderHoldMs). */
  reorderRate?: number;
  /** A WECHATPAY/SIGNTEST/ probe delivery precedes the real one. */
  probeRate?: number;
}

export interface FaultConfig extends RouteFaults {
  /** Per route, keyed `"<METHOD> <route pattern>"` (e.g. `"POST /v3/edu-papay/contracts/presign"`) or
   *  just the pattern; the values replace the top-level ones for that route. */
  routes?: Record<string, RouteFaults>;
  notify?: NotifyFaults;
}

const ROUTE_KEYS: Array<keyof RouteFaults> = [
  'latencyMs',
  'timeoutRate',
  'timeoutAfterRate',
  'timeoutMs',
  'systemErrorRate',
  'systemErrorAfterRate',
  'rateLimitRate',
  'serviceUnavailableRate',
  'unsignedErrorRate',
  'badSignatureRate',
  'unknownSerialRate',
  'probeSignatureRate',
];
const NOTIFY_KEYS: Array<keyof NotifyFaults> = [
  'dropFirstRate',
  'duplicateRate',
  'concurrentDuplicateRate',
  'reorderRate',
  'probeRate',
];

function checkNumbers(o: Record<string, unknown>, keys: string[], where: string): void {
  for (const [k, v] of Object.entries(o)) {
    if (!keys.includes(k)) throw badControlRequest(`unknown fault knob ${where}${k}`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw badControlRequest(`fault knob ${where}${k} must be a non-negative number`);
    }
    if (k !== 'latencyMs' && k !== 'timeoutMs' && v > 1)
      throw badControlRequest(`fault rate ${where}${k} must be within [0, 1]`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a fault configuration (control API body or SANDBOX_FAULTS). */
export function parseFaults(input: unknown): FaultConfig {
  if (!isObject(input)) throw badControlRequest('faults must be a JSON object');
  const { routes, notify, ...top } = input;
  checkNumbers(top, ROUTE_KEYS, '');
  const out: FaultConfig = { ...(top as RouteFaults) };
  if (routes !== undefined) {
    if (!isObject(routes)) throw badControlRequest('faults.routes must be an object');
    for (const [key, value] of Object.entries(routes)) {
      if (!isObject(value)) throw badControlRequest('each faults.routes entry must be an object');
      checkNumbers(value, ROUTE_KEYS, `routes[${key}].`);
    }
    out.routes = routes as Record<string, RouteFaults>;
  }
  if (notify !== undefined) {
    if (!isObject(notify)) throw badControlRequest('faults.notify must be an object');
    checkNumbers(notify, NOTIFY_KEYS, 'notify.');
    out.notify = notify as NotifyFaults;
  }
  return out;
}

export interface FaultEngine {
  get(): FaultConfig;
  set(f: FaultConfig): void;
  /** The effective knobs for one route. */
  forRoute(method: string, pattern: string): RouteFaults;
  /** Draws once from the seeded PRNG: true with probability `rate`; a true draw is counted under `kind`. */
  roll(rate: number | undefined, kind?: string): boolean;
  /** How many faults were injected so far, by kind (cumulative; not reset by set()). */
  stats(): Record<string, number>;
  notify(): NotifyFaults;
}

export function createFaultEngine(initial: FaultConfig, prng: Prng): FaultEngine {
  let current = initial;
  const injected: Record<string, number> = {};
  return {
    get: () => current,
    set(f) {
      current = f;
    },
    forRoute(method, pattern) {
      const { routes, notify: _n, ...top } = current;
      const specific = routes?.[`${method} ${pattern}`] ?? routes?.[pattern];
      return specific ? { ...top, ...specific } : top;
    },
    roll(rate, kind) {
      if (!rate) return false;
      const hit = rate >= 1 || prng() < rate;
      if (hit && kind) injected[kind] = (injected[kind] ?? 0) + 1;
      return hit;
    },
    stats: () => ({ ...injected }),
    notify: () => current.notify ?? {},
  };
}
