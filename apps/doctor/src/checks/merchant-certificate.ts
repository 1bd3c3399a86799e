import { certificateInfo, normalizeSerial } from '@qianyue/wechatpay';
import { defineCheck } from '../check.ts';
import { WHERE_CERT } from '../merchant-platform.ts';
import { samePublicKey } from '../pem.ts';

const FIX = `download apiclient_cert.pem for the key you use from ${WHERE_CERT}; key, certificate and WECHATPAY_MERCHANT_SERIAL_NO must all come from the same application`;

export const merchantCertificate = defineCheck({
  id: 'merchant-certificate',
  title: 'Merchant certificate matches key and serial',
  needs: [],
  // Compared when loaded; a key that did not load is itself reported as a problem of this pair.
  uses: ['merchant-private-key'],
  variables: ['WECHATPAY_MERCHANT_CERT', 'WECHATPAY_MERCHANT_CERT_PATH'],
  run({ sources, now }, given) {
    const s = sources.secret('WECHATPAY_MERCHANT_CERT');
    const variable = s.variable;
    if (!s.value && !s.problem) {
      return {
        status: 'skip',
        variable,
        detail:
          'WECHATPAY_MERCHANT_CERT_PATH not set (optional: set it to apiclient_cert.pem to check the key/serial pair)',
      };
    }
    if (s.problem) return { status: 'fail', variable, detail: s.problem, fix: FIX };
    let info: ReturnType<typeof certificateInfo>;
    try {
      info = certificateInfo(s.value ?? '');
    } catch {
      return { status: 'fail', variable, detail: 'is not a readable X.509 certificate PEM', fix: FIX };
    }
    const problems: string[] = [];
    const key = given['merchant-private-key'];
    if (!key) problems.push('the private key could not be loaded (see above), so it was not compared');
    else if (!samePublicKey(info.publicKey, key))
      problems.push('the private key does NOT belong to this certificate');
    const configured = sources.plain('WECHATPAY_MERCHANT_SERIAL_NO', 'merchantSerialNo').value;
    if (configured && normalizeSerial(configured) !== normalizeSerial(info.serialNo))
      problems.push(`WECHATPAY_MERCHANT_SERIAL_NO differs from the certificate's serial ${info.serialNo}`);
    const until = info.notAfter.toISOString().slice(0, 10);
    if (info.notAfter.getTime() < now()) problems.push(`the certificate expired on ${until}`);
    if (problems.length) return { status: 'fail', variable, detail: problems.join('; '), fix: FIX };
    return {
      status: 'pass',
      variable,
      detail: `serial ${info.serialNo} matches the private key, valid until ${until}`,
    };
  },
});
