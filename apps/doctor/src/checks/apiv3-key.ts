import { loadApiV3Key } from '@qianyue/wechatpay';
import { defineCheck } from '../check.ts';
import { looseFile, looseFix } from '../file-mode.ts';
import { WHERE_APIV3_KEY } from '../merchant-platform.ts';
import { pemLabels } from '../pem.ts';

const FIX = `copy the 32-character APIv3 key you set in ${WHERE_APIV3_KEY} (a file may end with one newline; nothing else). If nobody knows it, set a new one there and update every replica at once`;

export const apiV3Key = defineCheck({
  id: 'apiv3-key',
  title: 'APIv3 key',
  needs: [],
  uses: [],
  variables: ['WECHATPAY_APIV3_KEY', 'WECHATPAY_APIV3_KEY_PATH'],
  run({ sources, mode }) {
    const s = sources.secret('WECHATPAY_APIV3_KEY', 'apiV3KeyPath');
    const variable = s.variable;
    if (s.problem) return { status: 'fail', variable, detail: s.problem, fix: FIX };
    if (!s.value) return { status: 'fail', variable, detail: 'not set', fix: FIX };
    if (pemLabels(s.value).length > 0) {
      return {
        status: 'fail',
        variable,
        detail: 'holds a PEM key or certificate, not the APIv3 key',
        fix: FIX,
      };
    }
    const text = s.value.trim();
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes !== 32) {
      return { status: 'fail', variable, detail: `is ${bytes} bytes; it must be exactly 32`, fix: FIX };
    }
    if (!/^[\x21-\x7e]+$/.test(text)) {
      return { status: 'fail', variable, detail: 'contains characters other than printable ASCII', fix: FIX };
    }
    try {
      loadApiV3Key(s.value, variable);
    } catch {
      return { status: 'fail', variable, detail: 'is not accepted as an APIv3 key', fix: FIX };
    }
    const loose = looseFile(mode, s.file);
    if (loose) return { status: 'warn', variable, detail: `32 bytes; ${loose}`, fix: looseFix(s.file) };
    return { status: 'pass', variable, detail: '32 bytes' };
  },
});
