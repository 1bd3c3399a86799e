import { Button, Text, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { useState } from 'react';
import { ErrorView } from '../../components/error-view.tsx';
import { useSignCheck } from '../../hooks/use-sign-check.ts';
import { useServices } from '../../services/context.ts';
import { OUTCOME_DETAILS, OUTCOME_LABELS } from '../../services/contract-view.ts';

/** Where the user lands after the signing page: asks the BFF until it knows, then says what happened. */
export default function ResultPage() {
  const services = useServices();
  const router = useRouter();
  const contractId = decodeURIComponent(router.params['contractId'] ?? '');
  // A hint only (weapp: referrerInfo.extraData via resume(); H5: the signing page's sign_result).
  const [hint] = useState(() => services.signing.returnHint(router.params['hint']));
  const { state, refresh } = useSignCheck(services.signing, contractId, hint);

  const toPlans = () => Taro.reLaunch({ url: '/pages/index/index' });
  const toContracts = () => Taro.redirectTo({ url: '/pages/contracts/index' });

  if (!contractId) {
    return (
      <View className="page">
        <View className="result">
          <Text className="result__detail" id="error-message">
            未找到签约记录
          </Text>
          <Button className="btn btn--primary" id="back-plans" onClick={toPlans}>
            返回
          </Button>
        </View>
      </View>
    );
  }

  return (
    <View className="page" id="result-page">
      {state.phase === 'checking' ? (
        <View className="loading" id="poll-progress">
          <View className="loading__spinner" />
          <Text className="loading__text">正在确认签约结果…</Text>
          {state.attempt > 1 ? (
            <Text className="card__meta" id="poll-attempt">
              第 {state.attempt} 次查询
            </Text>
          ) : null}
        </View>
      ) : null}

      {state.phase === 'error' ? <ErrorView title="查询失败" error={state.error} onRetry={refresh} /> : null}

      {state.phase === 'done' ? (
        <View className="result">
          <Text className={`result__state result__state--${state.outcome}`} id="result-state">
            {OUTCOME_LABELS[state.outcome]}
          </Text>
          {state.contract ? (
            <Text className="card__meta" id="result-plan">
              {state.contract.planName}
            </Text>
          ) : null}
          <Text className="result__detail" id="result-detail">
            {OUTCOME_DETAILS[state.outcome]}
          </Text>
          {state.outcome === 'confirming' ? (
            <Button className="btn btn--primary" id="refresh" onClick={refresh}>
              刷新
            </Button>
          ) : null}
          <Button className="btn btn--plain" id="to-contracts" onClick={toContracts}>
            我的签约
          </Button>
          <Button className="btn btn--plain" id="back-plans" onClick={toPlans}>
            返回首页
          </Button>
        </View>
      ) : null}
    </View>
  );
}
