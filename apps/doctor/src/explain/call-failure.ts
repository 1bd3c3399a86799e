import {
  ApiError,
  ClockSkewError,
  MissingHeaderError,
  SignatureInvalidError,
  TransportError,
  UnknownSerialError,
  UnsupportedSignatureTypeError,
  WechatPayError,
} from '@qianyue/wechatpay';
import { WHERE_PUBLIC_KEY } from '../merchant-platform.ts';
import type { CheckStatus } from '../report.ts';

/** What the signed call knew when it failed. */
export interface CallAttempt {
  baseUrl: string;
  /** The operation, e.g. `GET /v3/edu-papay/user/{throwaway openid}/contracts`. */
  label: string;
  /** The serial/id the last verified answer signature used, if any answer verified. */
  verifiedWith?: string;
}

export interface Explanation {
  status: CheckStatus;
  detail: string;
  fix?: string;
}

const SIGN_FIX =
  'WECHATPAY_MCH_ID, WECHATPAY_MERCHANT_SERIAL_NO and the merchant private key must belong together: take the serial of the API certificate issued for THIS key (openssl x509 -in apiclient_cert.pem -noout -serial), and set WECHATPAY_MERCHANT_CERT_PATH so doctor can compare them';

const verifiedBy = (a: CallAttempt) => (a.verifiedWith ? ` with ${a.verifiedWith}` : '');

/** An answer WeChat Pay gave (signed or not): what its HTTP status says about our configuration. */
function explainAnswer(err: ApiError, a: CallAttempt): Explanation {
  const what = `HTTP ${err.status} ${err.apiCode ?? ''}`.trim();
  if (err.status === 401) {
    return {
      status: 'fail',
      detail: `${a.baseUrl} refused our request signature (${what}): the merchant key, serial or merchant number is wrong${a.verifiedWith ? '; the answer itself verified' : ''}`,
      fix: SIGN_FIX,
    };
  }
  if (err.status >= 500) {
    return {
      status: 'fail',
      detail: `${a.baseUrl} answered ${what}`,
      fix: 'WeChat Pay is having trouble: run doctor again in a few minutes',
    };
  }
  if (!a.verifiedWith) {
    return {
      status: 'warn',
      detail: `${a.baseUrl}: ${a.label} answered ${what} without a signature, so the answer could not be verified (our request signature was accepted)`,
      fix: 'nothing to change if the other checks pass; WeChat Pay does not always sign error answers',
    };
  }
  const limited = err.status === 429;
  return {
    status: limited ? 'warn' : 'pass',
    detail: `${a.baseUrl}: ${a.label} answered ${what} (expected for a throwaway user); answer signature verified${verifiedBy(a)}`,
    ...(limited ? { fix: 'rate limited: run doctor again in a minute' } : {}),
  };
}

/** One row per failure class, most specific first; the first row whose class matches explains it. */
const TABLE: Array<{ is: (err: unknown) => boolean; explain: (err: never, a: CallAttempt) => Explanation }> =
  [
    { is: (e) => e instanceof ApiError, explain: (e: ApiError, a) => explainAnswer(e, a) },
    {
      is: (e) => e instanceof SignatureInvalidError,
      explain: (_e, a) => ({
        status: 'fail',
        detail: `${a.baseUrl}: the answer's signature does NOT verify with the configured WeChat Pay key — it is not the key WeChat Pay signs with`,
        fix: `download the current WeChat Pay public key from ${WHERE_PUBLIC_KEY} into WECHATPAY_PUBLIC_KEY_PATH (or the current platform certificates); every notification would be rejected until then`,
      }),
    },
    {
      is: (e) => e instanceof UnknownSerialError,
      explain: (e: UnknownSerialError, a) => ({
        status: 'fail',
        detail: `${a.baseUrl}: WeChat Pay signed the answer with ${e.serial}, which is not configured`,
        fix: e.serial.startsWith('PUB_KEY_ID_')
          ? `set WECHATPAY_PUBLIC_KEY_ID=${e.serial} with the matching public key from ${WHERE_PUBLIC_KEY}`
          : `add the platform certificate ${e.serial} to WECHATPAY_PLATFORM_CERT_PATH, or move to the WeChat Pay public key`,
      }),
    },
    {
      is: (e) => e instanceof ClockSkewError,
      explain: (e: ClockSkewError, a) => ({
        status: 'fail',
        detail: `${a.baseUrl}: this host's clock is ${e.skewSeconds} s away from WeChat Pay's`,
        fix: 'enable time synchronisation (chrony or systemd-timesyncd); signatures older than 5 minutes are refused both ways',
      }),
    },
    {
      is: (e) => e instanceof MissingHeaderError || e instanceof UnsupportedSignatureTypeError,
      explain: (_e, a) => ({
        status: 'fail',
        detail: `${a.baseUrl}: the answer carries no WeChat Pay signature — this endpoint is not WeChat Pay (a proxy or captive portal?)`,
        fix: 'point WECHATPAY_BASE_URL at https://api.mch.weixin.qq.com (or unset it) and check outbound proxies',
      }),
    },
    {
      is: (e) => e instanceof TransportError,
      explain: (e: TransportError, a) => ({
        status: 'fail',
        detail: `${a.baseUrl}: ${e.code === 'WECHATPAY_TRANSPORT_TIMEOUT' ? 'no answer in time' : 'cannot connect'}`,
        fix: 'check DNS, outbound firewall rules and proxies from this host to the WeChat Pay API (in sandbox mode: is the sandbox running at WECHATPAY_SANDBOX_URL?)',
      }),
    },
  ];

/** What a failed signed call means for the configuration, and what to do. */
export function explainCallFailure(err: unknown, attempt: CallAttempt): Explanation {
  const row = TABLE.find((r) => r.is(err));
  if (row) return row.explain(err as never, attempt);
  if (err instanceof WechatPayError) {
    return {
      status: 'fail',
      detail: `${attempt.baseUrl}: the answer could not be verified (${err.code})`,
      fix: 'compare WECHATPAY_PUBLIC_KEY_PATH / WECHATPAY_PUBLIC_KEY_ID with 商户平台, and check the clock',
    };
  }
  return {
    status: 'fail',
    detail: `${attempt.baseUrl}: unexpected error`,
    fix: 'run doctor again; report the output of doctor --json',
  };
}
