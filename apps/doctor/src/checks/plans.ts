import type { PlanConfig } from '../bff.ts';
import { defineCheck } from '../check.ts';

/** One plan as the resolver understood it: its mode and the ids that mode sends to WeChat Pay. */
export function describePlan(p: PlanConfig): string {
  const ids =
    p.family === 'edu-papay'
      ? [`plan_id ${p.planId}`]
      : [`service_id ${p.serviceId}`, `notify ${p.notifyPath}`];
  if ('subMchId' in p) ids.push(`sub_mchid ${p.subMchId}`);
  if ('subAppId' in p && p.subAppId) ids.push(`sub_appid ${p.subAppId}`);
  ids.push(
    `openid under ${p.openidUnder === 'sub_appid' ? `sub_appid (login ${p.loginAppId})` : `appid ${p.appId}`}`,
  );
  const billing =
    p.family === 'edu-papay' && p.billing
      ? `; billing ${p.billing.amount} fen on day ${p.billing.dayOfMonth}, notice ${p.billing.noticeLeadDays} day(s) ahead`
      : '';
  return `${p.planKey}: ${p.family} ${p.mode} (${ids.join(', ')})${billing}`;
}

export const plans = defineCheck({
  id: 'plans',
  title: 'Plans and their signing modes',
  needs: [],
  uses: [],
  // Plan problems (modes, the ids a mode needs, billing terms) are reported by the resolver under these.
  variables: ['PLANS', 'PLANS_PATH', 'WECHAT_MINI_PROGRAMS', 'WECHAT_MINI_PROGRAMS_PATH'],
  run({ sources }) {
    const variable = sources.env.PLANS_PATH ? 'PLANS_PATH' : 'PLANS';
    const settings = sources.resolved.settings;
    if (!settings) {
      return {
        status: 'skip',
        variable,
        detail: 'the plans are resolved with the whole configuration: fix the problems reported here first',
      };
    }
    const from = sources.env.PLANS_PATH || sources.env.PLANS ? '' : ' (sandbox demo plans: PLANS not set)';
    return {
      status: 'pass',
      variable,
      detail: `${settings.plans.map(describePlan).join('; ')}${from}`,
      fact: settings.plans,
    };
  },
});
