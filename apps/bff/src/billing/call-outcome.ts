import { ApiError } from '@qianyue/wechatpay';

export type Outcome =
  | { ok: true }
  | { ok: false; known: boolean; code: string; message?: string; status?: number };

/** A WeChat call's outcome: ok, a definite refusal (4xx other than 429), or unknown (timeout, 5xx, 429…). */
export async function attempt(fn: () => Promise<void>): Promise<Outcome> {
  try {
    await fn();
    return { ok: true };
  } catch (err) {
    if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
      return {
        ok: false,
        known: true,
        code: err.apiCode ?? `HTTP_${err.status}`,
        message: err.apiMessage,
        status: err.status,
      };
    }
    return { ok: false, known: false, code: (err as { code?: string }).code ?? 'UNKNOWN' };
  }
}
