import { certificateInfo, splitCertificates } from '@qianyue/wechatpay';
import { defineCheck, type ParsedCertificate } from '../check.ts';
import { isPrivateLabel, pemLabels } from '../pem.ts';

const FIX =
  'download the current platform certificates (GET /v3/certificates, e.g. with the official certificate downloader) or, better, move to the WeChat Pay public key (docs/operations.md, key rotation)';
const WARN_DAYS = 30;
const DAY_MS = 86_400_000;

export const platformCertificates = defineCheck({
  id: 'platform-certificates',
  title: 'WeChat Pay platform certificates',
  needs: [],
  uses: [],
  variables: ['WECHATPAY_PLATFORM_CERT', 'WECHATPAY_PLATFORM_CERT_PATH'],
  run({ sources, now }) {
    const s = sources.secret('WECHATPAY_PLATFORM_CERT');
    const variable = s.variable;
    if (s.problem) return { status: 'fail', variable, detail: s.problem, fix: FIX };
    if (!s.value) return { status: 'skip', variable, detail: 'not set (public-key mode)' };
    const pems = splitCertificates(s.value);
    if (pems.length === 0) {
      return {
        status: 'fail',
        variable,
        detail: pemLabels(s.value).some(isPrivateLabel)
          ? 'holds a private key, not certificates'
          : 'holds no PEM certificate',
        fix: FIX,
      };
    }
    const all: ParsedCertificate[] = [];
    for (const pem of pems) {
      try {
        const { serialNo, publicKey, notAfter } = certificateInfo(pem);
        all.push({ serialNo, publicKey, notAfter });
      } catch {
        return { status: 'fail', variable, detail: 'holds a certificate that cannot be read', fix: FIX };
      }
    }
    const at = now();
    const usable = all.filter((c) => c.notAfter.getTime() >= at);
    const expired = all.filter((c) => c.notAfter.getTime() < at).map((c) => c.serialNo);
    const soon = usable.filter((c) => c.notAfter.getTime() - at < WARN_DAYS * DAY_MS).map((c) => c.serialNo);
    const fact = { all, usable };
    const serials = all.map((c) => c.serialNo).join(', ');
    if (usable.length === 0) {
      return {
        status: 'fail',
        variable,
        detail: `every certificate has expired (${serials})`,
        fix: FIX,
        fact,
      };
    }
    const note = expired.length ? `; expired: ${expired.join(', ')}` : '';
    if (soon.length) {
      return {
        status: 'warn',
        variable,
        detail: `${serials}; expiring within ${WARN_DAYS} days: ${soon.join(', ')}${note}`,
        fix: FIX,
        fact,
      };
    }
    if (expired.length) return { status: 'warn', variable, detail: `${serials}${note}`, fix: FIX, fact };
    return { status: 'pass', variable, detail: serials, fact };
  },
});
