import { defineCheck } from '../check.ts';
import { WHERE_PUBLIC_KEY } from '../merchant-platform.ts';

const VARIABLE = 'WECHATPAY_PUBLIC_KEY_ID';
const FIX = `copy the id shown next to the key in ${WHERE_PUBLIC_KEY}; it looks like PUB_KEY_ID_0114232134912410000000000000`;

/** What an id the resolver refused most likely is, most specific first. */
const WRONG_FORMS: Array<[(v: string) => boolean, string]> = [
  [(v) => /^[0-9A-F:]{16,}$/i.test(v), 'looks like a certificate serial, not a public key id'],
  [(v) => v !== v.toUpperCase() && v.toUpperCase().startsWith('PUB_KEY_ID_'), 'has the wrong letter case'],
  [() => true, 'does not have the form PUB_KEY_ID_ followed by digits'],
];

export const publicKeyId = defineCheck({
  id: 'public-key-id',
  title: 'WeChat Pay public key id',
  needs: [],
  uses: [],
  variables: [VARIABLE],
  run({ sources, problemsFor }) {
    const s = sources.plain(VARIABLE, 'wechatpayPublicKeyId');
    const variable = s.variable;
    const hasKey = Boolean(sources.secret('WECHATPAY_PUBLIC_KEY', 'wechatpayPublicKeyPath').value);
    if (!s.value) {
      if (!hasKey)
        return { status: 'skip', variable, detail: 'not set (no WeChat Pay public key configured)' };
      return { status: 'fail', variable, detail: 'not set, but a WeChat Pay public key is', fix: FIX };
    }
    const v = s.value.trim();
    // The form is the resolver's rule; when it refuses the id, say what the id looks like instead.
    if (problemsFor(VARIABLE).length > 0) {
      return { status: 'fail', variable, detail: WRONG_FORMS.find(([is]) => is(v))![1], fix: FIX };
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
