import type { Plan, PlansReply } from '@qianyue/api';
import { Button, Text, View } from '@tarojs/components';
import Taro, { useDidShow } from '@tarojs/taro';
import { useRef, useState } from 'react';
import { ActionErrorNotice, ErrorView, Loading } from '../../components/error-view.tsx';
import { useResource } from '../../hooks/use-resource.ts';
import { RESULT_PAGE } from '../../platform/platform.ts';
import { billingTermsLabel, noticeLabel } from '../../services/billing-view.ts';
import { useServices } from '../../services/context.ts';
import { hintFromExtraData, stateLabel } from '../../services/contract-view.ts';
import { type ApiError, toApiError } from '../../services/errors.ts';

function signLabel(plan: Plan): string {
  if (plan.state === 'PENDING') return '继续签约';
  if (plan.state === 'TERMINATED' || plan.state === 'EXPIRED') return '重新签约';
  return '立即签约';
}

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

  // Back from the signing mini-program (or relaunched while one was pending): go and ask for the result.
  useDidShow(() => {
    const wasFirst = firstShow.current;
    firstShow.current = false;
    const show = services.lastShow.take();
    const pending = services.pendingSign.take();
    if (pending) {
      const fromSigner = show?.referrerAppId === undefined || show.referrerAppId === pending.appId;
      const hint = fromSigner ? hintFromExtraData(show?.extraData) : 'unknown';
      Taro.navigateTo({
        url: `${RESULT_PAGE}?contractId=${encodeURIComponent(pending.contractId)}&hint=${hint}`,
      });
      return;
    }
    if (!wasFirst) reload();
  });

  const sign = async (plan: Plan) => {
    if (busyPlan) return;
    setBusyPlan(plan.planKey);
    setNotice(undefined);
    setActionError(undefined);
    try {
      const presign = await services.bff.presign(plan.planKey);
      const expiresAt = Date.parse(presign.expiresAt);
      services.pendingSign.save({
        contractId: presign.contractId,
        planKey: plan.planKey,
        appId: presign.navigate.appId,
        expiresAt: Number.isFinite(expiresAt) ? expiresAt : Date.now() + 7_200_000,
      });
      // The jump is made from this tap handler, with exactly the BFF's target.
      const started = await services.platform.startSign({
        navigate: presign.navigate,
        contractId: presign.contractId,
      });
      if (started.kind === 'cancelled') {
        services.pendingSign.clear();
        setNotice('您取消了签约，可随时再次签约。');
      }
    } catch (err) {
      services.pendingSign.clear();
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
            <View className="card" id={`plan-${plan.planKey}`} key={plan.planKey}>
              <View className="card__head">
                <Text className="card__name">{plan.name}</Text>
                <Text className={`tag tag--${plan.state}`} id={`plan-state-${plan.planKey}`}>
                  {stateLabel(plan.state)}
                </Text>
              </View>
              <Text className="card__desc">{plan.description}</Text>
              {plan.billing ? (
                <Text className="card__terms" id={`plan-terms-${plan.planKey}`}>
                  {billingTermsLabel(plan.billing)}（{noticeLabel(plan.billing)}）
                </Text>
              ) : null}
              <Text className="card__meta">{plan.family === 'edu-papay' ? '教育续费通' : '免密支付'}</Text>
              {plan.state !== 'SIGNED' ? (
                <View className="card__actions">
                  <Button
                    className="btn btn--primary"
                    id={`sign-${plan.planKey}`}
                    size="mini"
                    loading={busyPlan === plan.planKey}
                    disabled={busyPlan !== undefined}
                    onClick={() => sign(plan)}
                  >
                    {signLabel(plan)}
                  </Button>
                </View>
              ) : null}
            </View>
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
