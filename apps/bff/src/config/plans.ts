import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isMchId } from './predicates.ts';
import type { ConfigProblem } from './problems.ts';

/*
 * A plan is one contract template the mini-program offers, and names the mode WeChat serves it in. The ids a
 * mode needs come from the plan, falling back to WECHATPAY_SUB_MCHID / WECHAT_SUB_APP_ID / WECHAT_APP_ID, and
 * are checked here so a family never meets a plan without them.
 */

const common = {
  planKey: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 }),
  name: Type.String({ minLength: 1 }),
  description: Type.String({ default: '' }),
  /** The caller's AppID (`appid`, or `sp_appid` in password-exempt service-provider mode). */
  appId: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  subMchId: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  subAppId: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  /**
   * Which AppID the user's openid is under, i.e. which mini-program the user signs from: `appid` (the
   * caller's own) or `sub_appid` (the sub-merchant's, sent as `sub_openid`).
   */
  openidUnder: Type.Union([Type.Literal('appid'), Type.Literal('sub_appid')], { default: 'appid' }),
  /**
   * What WeChat's signing page shows as the account (edu `user_id`, password-exempt
   * `contract_display_account`): `{member}` becomes the user's member number (6+ digits).
   */
  accountTemplate: Type.String({ minLength: 1, maxLength: 24, default: 'M{member}' }),
};

/** Recurring debit terms of an edu-papay plan (used by the billing module). */
export const BillingTerms = Type.Object(
  {
    /** Fen, per debit. */
    amount: Type.Integer({ minimum: 1 }),
    currency: Type.Literal('CNY'),
    dayOfMonth: Type.Integer({ minimum: 1, maximum: 28 }),
    description: Type.String({ minLength: 1, maxLength: 128 }),
    noticeLeadDays: Type.Integer({ minimum: 1, maximum: 3 }),
  },
  { additionalProperties: false },
);
export type BillingTerms = Static<typeof BillingTerms>;

const eduFields = {
  ...common,
  family: Type.Literal('edu-papay'),
  planId: Type.String({ minLength: 1, maxLength: 32 }),
  billing: Type.Optional(BillingTerms),
};
const peFields = {
  ...common,
  family: Type.Literal('password-exempt'),
  serviceId: Type.Integer({ minimum: 1 }),
  /** Path (under NOTIFY_BASE_URL) sent as notify_url; default /v1/notify/password-exempt. */
  notifyPath: Type.Optional(Type.String({ pattern: '^/v1/notify/[a-z0-9-]+$', maxLength: 64 })),
};
const closed = { additionalProperties: false } as const;

export const PlanInputSchema = Type.Union([
  Type.Object({ ...eduFields, mode: Type.Literal('direct') }, closed),
  Type.Object({ ...eduFields, mode: Type.Literal('service-provider') }, closed),
  Type.Object({ ...peFields, mode: Type.Literal('direct') }, closed),
  Type.Object({ ...peFields, mode: Type.Literal('service-provider') }, closed),
  Type.Object({ ...peFields, mode: Type.Literal('qs') }, closed),
]);
type PlanInput = Static<typeof PlanInputSchema>;

interface PlanBase {
  planKey: string;
  name: string;
  description: string;
  appId: string;
  openidUnder: 'appid' | 'sub_appid';
  accountTemplate: string;
  /** The mini-program whose jscode2session gives the user's openid for this plan. */
  loginAppId: string;
}
export interface EduDirectPlan extends PlanBase {
  family: 'edu-papay';
  mode: 'direct';
  planId: string;
  billing?: BillingTerms;
}
export interface EduServiceProviderPlan extends PlanBase {
  family: 'edu-papay';
  mode: 'service-provider';
  planId: string;
  subMchId: string;
  subAppId?: string;
  billing?: BillingTerms;
}
interface PePlanBase extends PlanBase {
  family: 'password-exempt';
  serviceId: number;
  notifyPath: string;
}
export interface PeDirectPlan extends PePlanBase {
  mode: 'direct';
}
export interface PeServiceProviderPlan extends PePlanBase {
  mode: 'service-provider';
  subMchId: string;
  subAppId: string;
}
export interface PeQsPlan extends PePlanBase {
  mode: 'qs';
  subMchId: string;
  subAppId: string;
}
export type EduPlan = EduDirectPlan | EduServiceProviderPlan;
export type PePlan = PeDirectPlan | PeServiceProviderPlan | PeQsPlan;
export type PlanConfig = EduPlan | PePlan;
export type PlanMode = PlanConfig['mode'];

export const DEFAULT_PE_NOTIFY_PATH = '/v1/notify/password-exempt';

export interface PlanDefaults {
  appId?: string;
  subMchId?: string;
  subAppId?: string;
}

/** Plans as JSON → resolved plans, or problems naming `variable` and the plan. Never throws. */
export function parsePlans(
  json: unknown,
  variable: string,
  defaults: PlanDefaults,
): { plans: PlanConfig[]; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const problem = (message: string, fix: string) => problems.push({ variable, message, fix });
  if (!Array.isArray(json) || json.length === 0) {
    problem('must be a non-empty JSON array', 'list at least one plan (docs/configuration.md, "Plans")');
    return { plans: [], problems };
  }
  const plans: PlanConfig[] = [];
  json.forEach((raw, i) => {
    const at = `plan #${i + 1}`;
    // Plans written before modes existed: edu was direct, password-exempt was QS.
    const input = structuredClone(raw) as Record<string, unknown>;
    if (input && typeof input === 'object' && input.mode === undefined) {
      input.mode = input.family === 'password-exempt' ? 'qs' : 'direct';
    }
    if (input?.family === 'password-exempt' && input.billing !== undefined) {
      problem(`${at} has billing terms`, 'billing terms belong to edu-papay plans only: remove "billing"');
      return;
    }
    // Checked against the branch its family and mode name, so the error points at the field that is wrong.
    const branch = PlanInputSchema.anyOf.find(
      (b) => b.properties.family.const === input?.family && b.properties.mode.const === input?.mode,
    );
    if (!branch) {
      problem(
        `${at} has an unknown family/mode: ${String(input?.family).slice(0, 32)} / ${String(input?.mode).slice(0, 32)}`,
        'edu-papay: direct | service-provider; password-exempt: direct | service-provider | qs',
      );
      return;
    }
    const withDefaults = Value.Default(branch, input);
    if (!Value.Check(branch, withDefaults)) {
      const first = Value.Errors(branch, withDefaults).First();
      problem(
        `${at} is invalid at ${first?.path || '/'}: ${first?.message ?? 'invalid'}`,
        'each plan needs planKey, name, family, mode and the ids its mode needs (docs/configuration.md)',
      );
      return;
    }
    const resolved = resolvePlan(withDefaults as PlanInput, defaults, (m, f) => problem(`${at} ${m}`, f));
    if (resolved) plans.push(resolved);
  });
  const keys = new Set(plans.map((p) => p.planKey));
  if (keys.size !== plans.length) problem('planKey values must be unique', 'rename the duplicate planKey');
  return { plans, problems };
}

function resolvePlan(
  p: PlanInput,
  d: PlanDefaults,
  problem: (message: string, fix: string) => void,
): PlanConfig | undefined {
  const appId = p.appId ?? d.appId;
  if (!appId) {
    problem('has no appId', 'set the plan\'s "appId" or WECHAT_APP_ID');
    return undefined;
  }
  const needsSub = !(p.mode === 'direct');
  const subMchId = p.subMchId ?? (needsSub ? d.subMchId : undefined);
  const subAppId = p.subAppId ?? (needsSub ? d.subAppId : undefined);
  if (p.mode === 'direct' && (p.subMchId || p.subAppId)) {
    problem('is in direct mode but names sub-merchant ids', 'use mode "service-provider" or drop them');
    return undefined;
  }
  if (needsSub && !subMchId) {
    problem(`(${p.family} ${p.mode}) needs a sub-merchant number`, 'set "subMchId" or WECHATPAY_SUB_MCHID');
    return undefined;
  }
  if (subMchId && !isMchId(subMchId)) {
    problem('has a subMchId that is not a merchant number (8–12 digits)', 'copy the 子商户号 exactly');
    return undefined;
  }
  const subAppRequired = p.family === 'password-exempt' && needsSub;
  if (subAppRequired && !subAppId) {
    problem(`(${p.family} ${p.mode}) needs a sub-merchant AppID`, 'set "subAppId" or WECHAT_SUB_APP_ID');
    return undefined;
  }
  if (p.openidUnder === 'sub_appid' && p.family === 'edu-papay') {
    problem(
      'signs under sub_appid, but edu-papay needs the openid under appid',
      'WeChat requires `openid` (under the caller\'s appid) on the edu pre-sign and by-user query: use openidUnder "appid"',
    );
    return undefined;
  }
  if (p.openidUnder === 'sub_appid' && p.mode === 'direct') {
    problem('signs under sub_appid in direct mode', 'direct mode has no sub_appid: use openidUnder "appid"');
    return undefined;
  }
  if (!p.accountTemplate.includes('{member}')) {
    problem('has an accountTemplate without {member}', 'include {member}, e.g. "M{member}"');
    return undefined;
  }
  const base = {
    planKey: p.planKey,
    name: p.name,
    description: p.description,
    appId,
    openidUnder: p.openidUnder,
    accountTemplate: p.accountTemplate,
    loginAppId: p.openidUnder === 'sub_appid' ? (subAppId as string) : appId,
  };
  if (p.family === 'edu-papay') {
    const billing = p.billing ? { billing: p.billing } : {};
    if (p.mode === 'direct') return { ...base, family: p.family, mode: p.mode, planId: p.planId, ...billing };
    return {
      ...base,
      family: p.family,
      mode: p.mode,
      planId: p.planId,
      subMchId: subMchId as string,
      ...(subAppId ? { subAppId } : {}),
      ...billing,
    };
  }
  const pe = {
    ...base,
    family: p.family,
    serviceId: p.serviceId,
    notifyPath: p.notifyPath ?? DEFAULT_PE_NOTIFY_PATH,
  };
  if (p.mode === 'direct') return { ...pe, mode: p.mode };
  return { ...pe, mode: p.mode, subMchId: subMchId as string, subAppId: subAppId as string };
}

/** The two demo plans of sandbox mode when PLANS is unset. */
export function sandboxDefaultPlans(ids: { planId?: string; serviceId?: number }): unknown[] {
  return [
    {
      planKey: 'edu-monthly',
      family: 'edu-papay',
      mode: 'direct',
      planId: ids.planId ?? '101164396123311331',
      name: '教育续费（月付）',
      description: 'Sandbox demo: edu-papay monthly renewal',
      // The demo bills it (docs/billing.md): shown on the plan card, charged by the scheduler.
      billing: { amount: 9900, currency: 'CNY', dayOfMonth: 1, description: '月度课程费', noticeLeadDays: 1 },
    },
    {
      planKey: 'vip-autopay',
      family: 'password-exempt',
      mode: 'qs',
      serviceId: ids.serviceId ?? 12535,
      name: '会员免密支付',
      description: 'Sandbox demo: password-exempt (QS) contract',
    },
  ];
}
