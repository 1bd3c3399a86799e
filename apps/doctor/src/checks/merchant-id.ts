import { defineCheck } from '../check.ts';

export const merchantId = defineCheck({
  id: 'merchant-id',
  title: 'Merchant number',
  needs: [],
  uses: [],
  variables: ['WECHATPAY_MCH_ID'],
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
    // Its form (8–12 digits) is the resolver's rule: a problem with it fails this check (runner.ts).
    const v = s.value.trim();
    return { status: 'pass', variable, detail: v, fact: v };
  },
});
