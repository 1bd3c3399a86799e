import { defineCheck } from '../check.ts';

export const environment = defineCheck({
  id: 'environment',
  title: 'Environment variables',
  needs: [],
  uses: [],
  run({ sources, mode }) {
    const problems = sources.envProblems;
    if (problems.length === 0) return { status: 'pass', detail: `valid (WECHATPAY_MODE=${mode})` };
    return {
      status: 'fail',
      variable: problems.map((p) => p.variable).join(', '),
      detail: problems.map((p) => `${p.variable}: ${p.problem}`).join('; '),
      fix: 'set each named variable to a value of the documented type (docs/configuration.md), or unset it to use the default',
    };
  },
});
