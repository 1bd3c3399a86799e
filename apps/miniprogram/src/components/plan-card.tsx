import type { Plan } from '@qianyue/api';
import { Button, Text, View } from '@tarojs/components';
import { billingTermsLabel, noticeLabel } from '../services/billing-view.ts';
import { stateLabel } from '../services/contract-view.ts';

function signLabel(plan: Plan): string {
  if (plan.state === 'PENDING') return '继续签约';
  if (plan.state === 'TERMINATED' || plan.state === 'EXPIRED') return '重新签约';
  return '立即签约';
}

const FAMILY_LABELS: Record<Plan['family'], string> = {
  'edu-papay': '教育续费通',
  'password-exempt': '免密支付',
};

/**
 * One plan on the plans page, as sections from top to bottom: head (name, state), description, product,
 * then the sign action. A new kind of plan detail (billing terms…) is one more section component here.
 */
export function PlanCard(props: {
  plan: Plan;
  /** This card's sign request is in flight. */
  busy: boolean;
  /** Some sign request is in flight (one at a time). */
  disabled: boolean;
  onSign: (plan: Plan) => void;
}) {
  const { plan } = props;
  return (
    <View className="card" id={`plan-${plan.planKey}`}>
      <View className="card__head">
        <Text className="card__name">{plan.name}</Text>
        <Text className={`tag tag--${plan.state}`} id={`plan-state-${plan.planKey}`}>
          {stateLabel(plan.state)}
        </Text>
      </View>
      <Text className="card__desc">{plan.description}</Text>
      {plan.billing ? <BillingTerms plan={plan} billing={plan.billing} /> : null}
      <Text className="card__meta">{FAMILY_LABELS[plan.family] ?? plan.family}</Text>
      {plan.state !== 'SIGNED' ? <SignAction {...props} /> : null}
    </View>
  );
}

/** What the user agrees to be charged, shown before signing ("每月 1 日自动扣费 ¥99.00"). */
function BillingTerms({ plan, billing }: { plan: Plan; billing: NonNullable<Plan['billing']> }) {
  return (
    <Text className="card__terms" id={`plan-terms-${plan.planKey}`}>
      {billingTermsLabel(billing)}（{noticeLabel(billing)}）
    </Text>
  );
}

function SignAction({ plan, busy, disabled, onSign }: Parameters<typeof PlanCard>[0]) {
  return (
    <View className="card__actions">
      <Button
        className="btn btn--primary"
        id={`sign-${plan.planKey}`}
        size="mini"
        loading={busy}
        disabled={disabled}
        onClick={() => onSign(plan)}
      >
        {signLabel(plan)}
      </Button>
    </View>
  );
}
