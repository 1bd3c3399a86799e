import { defineCheck } from '../check.ts';
import { WHERE_PUBLIC_KEY } from '../merchant-platform.ts';

const FORMAT = /^PUB_KEY_ID_[0-9]{8,}$/;
const FIX = `copy the id shown next to the key in ${WHERE_PUBLIC_KEY}; it looks like PUB_KEY_ID_0114232134912410000000000000`;

/** What is wrong with an id that does not have the documented form, most specific first. */
const WRONG_FORMS: Array<[(v: string) => boolean, string]> = [
  [(v) => /^[0-9A-F]{16,}$/i.test(v), 'looks like a certificate serial, not a public key id'],
  [(v) => v !== v.toUpperCase() && v.toUpperCase().startsWith('PUB_KEY_ID_'), 'has the wrong letter case'],
  [() => true, 'does not have the form PUB_KEY_ID_ followed by digits'],
];

export const publicKeyId = defineCheck({
  id: 'public-key-id',
  title: 'WeChat Pay public key id',
  needs: [],
  uses: [],
  run({ sources }) {
    const s = sources.plain('WECHATPAY_PUBLIC_KEY_ID', 'wechatpayPublicKeyId');
    const variable = s.variable;
    const hasKey = Boolean(sources.secret('WECHATPAY_PUBLIC_KEY', 'wechatpayPublicKeyPath').value);
    if (!s.value) {
      if (!hasKey)
        return { status: 'skip', variable, detail: 'not set (no WeChat Pay public key configured)' };
      return { status: 'fail', variable, detail: 'not set, but a WeChat Pay public key is', fix: FIX };
    }
    const v = s.value.trim();
    if (!FORMAT.test(v)) {
      const wrong = WRONG_FORMS.find(([is]) => is(v))!;
      return { status: 'fail', variable, detail: wrong[1], fix: FIX };
    }
    if (!hasKey) {
      return {
        status: 'fail',
        variable,
        detail: 'set, but no WeChat Pay public key is configured',
        fix: `download pub_key.pem from ${WHERE_PUBLIC_KEY} and set WECHATPAY_PUBLIC_KEY_PATH`,
      };
    }
    return { status: 'pass', variable, detail: v, fact: v };
  },
});
