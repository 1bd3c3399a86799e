import { describe, it } from 'vitest';
import { plans } from '../../src/checks/plans.ts';
import { PLANS } from '../helpers.ts';
import { type Expected, expectResult, runSome } from './support.ts';

/* The plans as the BFF's resolver understood them (modes, the ids each sends, billing): no rule of the doctor's own. */

interface Row extends Expected {
  name: string;
  env: Record<string, string>;
  drop?: string[];
}

const edu = PLANS[0]!;
const rows: Row[] = [
  {
    name: 'plans written before modes: edu direct, password-exempt QS',
    env: {},
    status: 'pass',
    detail: new RegExp(
      `^edu-monthly: edu-papay direct \\(plan_id ${edu.planId}, openid under appid wx\\w+\\); vip-autopay: password-exempt qs \\(service_id \\d+, notify /v1/notify/password-exempt, sub_mchid \\d+, sub_appid wx\\w+, openid under appid wx\\w+\\)$`,
    ),
    variable: 'PLANS',
  },
  {
    name: 'sandbox mode without PLANS: the demo plans, said so',
    env: {},
    drop: ['PLANS'],
    status: 'pass',
    detail:
      /^edu-monthly: edu-papay direct .*vip-autopay: password-exempt qs .*\(sandbox demo plans: PLANS not set\)$/,
  },
  {
    name: 'edu as a service provider signing in the sub-merchant mini-program, with billing terms',
    env: {
      PLANS: JSON.stringify([
        {
          planKey: 'edu-sp',
          family: 'edu-papay',
          mode: 'service-provider',
          planId: '101164396123311339',
          subMchId: '1900000110',
          subAppId: 'wx1234567890abcdef',
          openidUnder: 'sub_appid',
          name: '机构月付',
          billing: { amount: 9900, currency: 'CNY', dayOfMonth: 5, description: '月费', noticeLeadDays: 2 },
        },
      ]),
      WECHAT_MINI_PROGRAMS: JSON.stringify({ wx1234567890abcdef: 'TESTONLY-sub-app-secret' }),
    },
    status: 'pass',
    detail:
      'edu-sp: edu-papay service-provider (plan_id 101164396123311339, sub_mchid 1900000110, sub_appid wx1234567890abcdef, openid under sub_appid (login wx1234567890abcdef)); billing 9900 fen on day 5, notice 2 day(s) ahead',
  },
  {
    name: 'a mode that does not exist',
    env: { PLANS: JSON.stringify([{ ...edu, mode: 'partner' }]) },
    status: 'fail',
    detail: 'PLANS: plan #1 has an unknown family/mode: edu-papay / partner',
    fix: 'edu-papay: direct | service-provider',
  },
  {
    name: 'a sub_appid plan whose mini-program has no AppSecret',
    env: {
      PLANS: JSON.stringify([
        {
          planKey: 'pe-sub',
          family: 'password-exempt',
          mode: 'qs',
          serviceId: 7,
          openidUnder: 'sub_appid',
          subAppId: 'wxabcdefabcdefabcd',
          name: 'x',
        },
      ]),
    },
    status: 'fail',
    detail: /^WECHAT_MINI_PROGRAMS: has no AppSecret for wxabcdefabcdefabcd \(plan pe-sub signs there\)$/,
    variable: 'WECHAT_MINI_PROGRAMS',
  },
  {
    name: 'PLANS_PATH names a missing file',
    env: { PLANS_PATH: '/nonexistent/plans.json' },
    status: 'fail',
    detail: 'PLANS_PATH: names a file that cannot be read',
  },
  {
    name: 'another problem elsewhere: the plans wait for the whole configuration',
    env: { TRUST_PROXY: 'everyone' },
    status: 'skip',
    detail: 'the plans are resolved with the whole configuration: fix the problems reported here first',
  },
];

describe('plans', () => {
  it.each(rows)('$name', async (row) => {
    const result = await runSome([plans], row.env, row.drop ? { drop: row.drop } : {});
    expectResult(result('plans'), row);
  });
});
