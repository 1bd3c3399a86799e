import { normalizeSerial } from '@qianyue/wechatpay';
import { defineCheck } from '../check.ts';
import { WHERE_CERT } from '../merchant-platform.ts';

const FIX = `copy the serial of YOUR API certificate from ${WHERE_CERT} (or: openssl x509 -in apiclient_cert.pem -noout -serial)`;

export const merchantSerial = defineCheck({
  id: 'merchant-serial',
  title: 'Merchant certificate serial',
  needs: [],
  // The platform certificates as that check read them: a serial of one of them here is the classic mix-up.
  uses: ['platform-certificates'],
  variables: ['WECHATPAY_MERCHANT_SERIAL_NO'],
  run({ sources }, given) {
    const s = sources.plain('WECHATPAY_MERCHANT_SERIAL_NO', 'merchantSerialNo');
    const variable = s.variable;
    if (!s.value) return { status: 'fail', variable, detail: 'not set', fix: FIX };
    const v = s.value.trim().toUpperCase();
    if (v.startsWith('PUB_KEY_ID_')) {
      return {
        status: 'fail',
        variable,
        detail: 'holds a WeChat Pay public key id (PUB_KEY_ID_…), not your merchant certificate serial',
        fix: `${FIX}; the PUB_KEY_ID_… value belongs in WECHATPAY_PUBLIC_KEY_ID`,
      };
    }
    const platform = (given['platform-certificates']?.all ?? []).map((c) => normalizeSerial(c.serialNo));
    if (platform.includes(normalizeSerial(v))) {
      return {
        status: 'fail',
        variable,
        detail: 'is the serial of a WeChat Pay platform certificate, not of your merchant certificate',
        fix: `${FIX}; a merchant serial in a WeChat Pay slot (or the reverse) makes every call fail with 401 SIGN_ERROR`,
      };
    }
    // The serial as the BFF sends it (whole bytes, upper case), so the signed call below tests what production signs with.
    const sent = normalizeSerial(v);
    return { status: 'pass', variable, detail: sent, fact: sent };
  },
});
