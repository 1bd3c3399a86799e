import type { Plan, PlansReply } from '@qianyue/api';
import { Button, Text, View } from '@tarojs/components';
import Taro, { useDidShow } from '@tarojs/taro';
import { useRef, useState } from 'react';
import { ActionErrorNotice, ErrorView, Loading } from '../../components/error-view.tsx';
import { PlanCard } from '../../components/plan-card.tsx';
import { useResource } from '../../hooks/use-resource.ts';
import { useServices } from '../../services/context.ts';
import { type ApiError, toApiError } from '../../services/errors.ts';

export default function PlansPage() {
  const services = useServices();
  const [busyPlan, setBusyPlan] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [actionError, setActionError] = useState<{ error: ApiError; planKey: string } | undefined>();
  const firstShow = useRef(true);
  // Which step failed: a login failure gets its own title and retry (#login-retry); the user is not in yet.
  const stage = useRef<'login' | 'plans'>('login');

  const { state, reload } = useResource<PlansReply>(async () => {
    stage.current = 'login';
    await services.session.token();
    stage.current = 'plans';
    return services.bff.plans();
  });

  // Back from the signing mini-program (or relaunched while one was pending): its result page opens.
  useDidShow(() => {
    const wasFirst = firstShow.current;
    firstShow.current = false;
    if (services.signing.resume()) return;
    if (!wasFirst) reload();
  });

  const sign = async (plan: Plan) => {
    if (busyPlan) return;
    setBusyPlan(plan.planKey);
    setNotice(undefined);
    setActionError(undefined);
    try {
      // The jump is made from this tap handler (services/signing.ts start), with exactly the BFF's target.
      if ((await services.signing.start(plan.planKey)) === 'cancelled') {
        setNotice('您取消了签约，可随时再次签约。');
      }
    } catch (err) {
      const e = toApiError(err);
      setActionError({ error: e, planKey: plan.planKey });
      if (e.code === 'BFF_ALREADY_SIGNED') reload();
    } finally {
      setBusyPlan(undefined);
    }
  };

  return (
    <View className="page" id="plans-page">
      <Text className="page__title">签约服务</Text>
      <Text className="page__subtitle">开通后按约定自动续费，可随时解约</Text>

      {state.status === 'loading' && !state.data ? <Loading id="plans-loading" /> : null}

      {state.status === 'error' ? (
        stage.current === 'login' ? (
          <ErrorView title="登录失败" error={state.error} onRetry={reload} retryId="login-retry" />
        ) : (
          <ErrorView error={state.error} onRetry={reload} />
        )
      ) : null}

      {notice ? (
        <Text className="notice" id="sign-notice">
          {notice}
        </Text>
      ) : null}
      {actionError ? (
        <ActionErrorNotice
          error={actionError.error}
          onRetry={() => {
            const plan = state.data?.plans.find((p) => p.planKey === actionError.planKey);
            setActionError(undefined);
            if (plan) sign(plan);
          }}
        />
      ) : null}

      {state.data ? (
        <View id="plans">
          {state.data.plans.map((plan) => (
            <PlanCard
              key={plan.planKey}
              plan={plan}
              busy={busyPlan === plan.planKey}
              disabled={busyPlan !== undefined}
              onSign={sign}
            />
          ))}
        </View>
      ) : null}

      {state.data ? (
        <View className="footer">
          <Button
            className="btn btn--plain"
            id="to-contracts"
            onClick={() => Taro.navigateTo({ url: '/pages/contracts/index' })}
          >
            我的签约
          </Button>
        </View>
      ) : null}
    </View>
  );
}
