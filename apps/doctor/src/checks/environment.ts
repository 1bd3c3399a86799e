import { defineCheck } from '../check.ts';

export const environment = defineCheck({
  id: 'environment',
  title: 'Environment variables',
  needs: [],
  uses: [],
  // The resolver's problems that no more specific check reports: types, URLs, plans' ids, proxies, secrets…
  variables: ['*'],
  run({ sources, mode }) {
    const total = sources.resolved.problems.length;
    if (total === 0) return { status: 'pass', detail: `valid (WECHATPAY_MODE=${mode})` };
    return {
      status: 'pass',
      detail: `the others are valid (WECHATPAY_MODE=${mode}); the BFF's ${total} problem(s) are under the checks they belong to`,
    };
  },
});
