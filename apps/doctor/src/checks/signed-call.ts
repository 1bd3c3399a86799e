import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import {
  createRsaSigner,
  createRsaVerifier,
  createStaticKeyResolver,
  createWechatPayClient,
  DEFAULT_BASE_URL,
  type Verifier,
} from '@qianyue/wechatpay';
import type { PlanConfig } from '../bff.ts';
import { type DoctorContext, defineCheck, type Facts } from '../check.ts';
import { explainCallFailure } from '../explain/call-failure.ts';

const DEFAULT_SANDBOX_URL = 'http://127.0.0.1:8701';
const FALLBACK_APP_ID = 'wx0000000000000000';
// The sandbox's seeded edu plan: queried when no plan is resolved (a read of a throwaway user changes nothing).
const SANDBOX_EDU_PLAN_ID = '101164396123311331';

type Target =
  | { family: 'edu-papay'; planId: string; appId: string }
  | { family: 'password-exempt'; serviceId: number };

/** What the read-only call asks about: an edu plan (direct first), else a password-exempt service. */
function targetOf(ctx: DoctorContext, plans: PlanConfig[] | undefined): Target {
  const edu =
    plans?.find((p) => p.family === 'edu-papay' && p.mode === 'direct') ??
    plans?.find((p) => p.family === 'edu-papay');
  if (edu?.family === 'edu-papay') return { family: 'edu-papay', planId: edu.planId, appId: edu.appId };
  const pe = plans?.find((p) => p.family === 'password-exempt');
  if (pe?.family === 'password-exempt') return { family: 'password-exempt', serviceId: pe.serviceId };
  const keys = ctx.sources.keysFile.data;
  return {
    family: 'edu-papay',
    planId: keys.eduPlans?.[0] ?? SANDBOX_EDU_PLAN_ID,
    appId: ctx.sources.plain('WECHAT_APP_ID', 'appId').value ?? FALLBACK_APP_ID,
  };
}

/** Remembers which key verified each answer, so a verified error answer can be told from an unsigned one. */
function recordingVerifier(inner: Verifier) {
  const seen: string[] = [];
  const verifier: Verifier = {
    verify(serial, message, signature) {
      inner.verify(serial, message, signature);
      seen.push(serial);
    },
  };
  return { verifier, last: () => seen[seen.length - 1] };
}

function endpoint({ sources, mode }: DoctorContext) {
  const sandbox = mode === 'sandbox';
  const sandboxUrl = (sources.env.WECHATPAY_SANDBOX_URL || DEFAULT_SANDBOX_URL).replace(/\/$/, '');
  const baseUrl = (sources.env.WECHATPAY_BASE_URL || (sandbox ? sandboxUrl : DEFAULT_BASE_URL)).replace(
    /\/$/,
    '',
  );
  const variable = sources.env.WECHATPAY_BASE_URL
    ? 'WECHATPAY_BASE_URL'
    : sandbox
      ? 'WECHATPAY_SANDBOX_URL'
      : undefined;
  return { baseUrl, ...(variable ? { variable } : {}) };
}

/** Every WeChat Pay key the other checks accepted, by the serial or id WeChat Pay names it with. */
function verificationKeys(
  ctx: DoctorContext,
  given: {
    'wechatpay-public-key'?: KeyObject;
    'public-key-id'?: string;
    'platform-certificates'?: Facts['platform-certificates'];
  },
) {
  const keys: Record<string, KeyObject> = {};
  const publicKey = given['wechatpay-public-key'];
  if (publicKey) {
    // An id with a typo is still used: the call then shows which id WeChat Pay actually signs with.
    const id =
      given['public-key-id'] ??
      ctx.sources.plain('WECHATPAY_PUBLIC_KEY_ID', 'wechatpayPublicKeyId').value?.trim();
    if (id) keys[id] = publicKey;
  }
  for (const c of given['platform-certificates']?.usable ?? []) keys[c.serialNo] = c.publicKey;
  return keys;
}

export const signedCall = defineCheck({
  id: 'signed-call',
  title: 'Signed call to WeChat Pay, answer verified',
  needs: ['merchant-id', 'merchant-private-key', 'merchant-serial'],
  uses: ['wechatpay-public-key', 'public-key-id', 'platform-certificates', 'plans'],
  variables: ['WECHATPAY_BASE_URL', 'WECHATPAY_SANDBOX_URL'],
  async run(ctx, given) {
    const { baseUrl, ...where } = endpoint(ctx);
    const keys = verificationKeys(ctx, given);
    if (Object.keys(keys).length === 0) {
      return {
        status: 'skip',
        ...where,
        detail:
          'not run: it needs a working WeChat Pay public key or platform certificate (see the failures above)',
      };
    }
    const preferred = given['public-key-id'];
    const resolver = createStaticKeyResolver({
      keys,
      ...(preferred && keys[preferred] ? { preferred } : {}),
    });
    const recording = recordingVerifier(createRsaVerifier(resolver));
    let client: ReturnType<typeof createWechatPayClient>;
    try {
      client = createWechatPayClient({
        baseUrl,
        signer: createRsaSigner({
          mchId: given['merchant-id'],
          serialNo: given['merchant-serial'],
          privateKey: given['merchant-private-key'],
        }),
        verifier: recording.verifier,
        resolver,
        timeoutMs: ctx.timeoutMs,
        userAgent: 'qianyue-doctor/0.1.0',
        ...(ctx.clock ? { clock: ctx.clock } : {}),
        ...(ctx.dispatcher ? { dispatcher: ctx.dispatcher } : {}),
      });
    } catch {
      return {
        status: 'fail',
        ...where,
        detail: 'the merchant serial is also configured as a WeChat Pay verification key',
        fix: 'WECHATPAY_MERCHANT_SERIAL_NO must be your API certificate serial; WeChat Pay serials/ids go in WECHATPAY_PUBLIC_KEY_ID or the platform certificates',
      };
    }
    const target = targetOf(ctx, given.plans);
    const op =
      target.family === 'edu-papay'
        ? {
            label: 'GET /v3/edu-papay/user/{throwaway openid}/contracts',
            run: () =>
              client.eduPapay.queryByUser(`o_doctor_${randomBytes(9).toString('base64url')}`, {
                appid: target.appId,
                plan_id: target.planId,
                offset: 0,
                limit: 1,
              }),
          }
        : {
            label: 'GET /v3/password-exempt-contract/…/out-contract-code/{throwaway code}',
            run: () =>
              client.passwordExempt.queryByOutContractCode(
                target.serviceId,
                `doctor${randomBytes(12).toString('hex')}`,
              ),
          };
    try {
      await op.run();
      const by = recording.last();
      return {
        status: 'pass',
        ...where,
        detail: `${baseUrl}: ${op.label} answered 2xx; answer signature verified${by ? ` with ${by}` : ''}`,
      };
    } catch (err) {
      const last = recording.last();
      const e = explainCallFailure(err, {
        baseUrl,
        label: op.label,
        ...(last ? { verifiedWith: last } : {}),
      });
      return { ...e, ...where };
    } finally {
      await client.close().catch(() => {});
    }
  },
});
