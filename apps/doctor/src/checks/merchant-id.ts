import { defineCheck } from '../check.ts';
import { WHERE_MCH_ID } from '../merchant-platform.ts';

export const merchantId = defineCheck({
  id: 'merchant-id',
  title: 'Merchant number',
  needs: [],
  uses: [],
  run({ sources }) {
    const s = sources.plain('WECHATPAY_MCH_ID', 'mchId');
    const variable = s.variable;
    if (!s.value) {
      return {
        status: 'fail',
        variable,
        detail: 'not set',
        fix: 'set WECHATPAY_MCH_ID to your 商户号 (service-provider number in partner mode)',
      };
    }
    const v = s.value.trim();
    if (!/^[0-9]{8,12}$/.test(v)) {
      return {
        status: 'fail',
        variable,
        detail: 'is not a merchant number (8–12 digits)',
        fix: `copy the 商户号 from ${WHERE_MCH_ID} (digits only, no spaces)`,
      };
    }
    return { status: 'pass', variable, detail: v, fact: v };
  },
});
