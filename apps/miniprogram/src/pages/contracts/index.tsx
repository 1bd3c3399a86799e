import type { Contract, ContractsReply } from '@qianyue/api';
import { Button, Text, View } from '@tarojs/components';
import Taro, { useDidShow } from '@tarojs/taro';
import { useRef, useState } from 'react';
import { ContractCharges } from '../../components/contract-charges.tsx';
import { ActionErrorNotice, ErrorView, Loading } from '../../components/error-view.tsx';
import { useResource } from '../../hooks/use-resource.ts';
import { useServices } from '../../services/context.ts';
import { formatDate, stateLabel } from '../../services/contract-view.ts';
import { type ApiError, toApiError } from '../../services/errors.ts';
import { sleep } from '../../services/taro-adapters.ts';
import { terminateAndConfirm } from '../../services/terminate.ts';

function ContractDates({ c }: { c: Contract }) {
  return (
    <View>
      <Text className="card__meta">签约账户：{c.displayAccount}</Text>
      <Text className="card__meta" id={`contract-created-${c.contractId}`}>
        发起时间：{formatDate(c.createdAt)}
      </Text>
      {c.signedAt ? <Text className="card__meta">签约时间：{formatDate(c.signedAt)}</Text> : null}
      {c.terminatedAt ? (
        <Text className="card__meta" id={`contract-terminated-${c.contractId}`}>
          解约时间：{formatDate(c.terminatedAt)}
        </Text>
      ) : null}
      {c.state === 'PENDING' && c.expiresAt ? (
        <Text className="card__meta">签约有效期至：{formatDate(c.expiresAt)}</Text>
      ) : null}
    </View>
  );
}

export default function ContractsPage() {
  const services = useServices();
  const [busy, setBusy] = useState<string | undefined>();
  const [actionError, setActionError] = useState<{ error: ApiError; contractId: string } | undefined>();
  const firstShow = useRef(true);
  const { state, reload, setData } = useResource<ContractsReply>(() => services.bff.contracts());

  useDidShow(() => {
    if (!firstShow.current) reload();
    firstShow.current = false;
  });

  const terminate = async (c: Contract, confirmed = false) => {
    if (busy) return;
    if (!confirmed) {
      const answer = await Taro.showModal({
        title: '确认解约',
        content: `解约后「${c.planName}」将不再自动扣费，确定解约吗？`,
        confirmText: '解约',
        confirmColor: '#e53935',
        cancelText: '再想想',
      });
      if (!answer.confirm) return;
    }
    setBusy(c.contractId);
    setActionError(undefined);
    try {
      const updated = await terminateAndConfirm({
        bff: services.bff,
        contractId: c.contractId,
        sleep,
        now: () => Date.now(),
      });
      setData((prev) => ({
        contracts: prev.contracts.map((x) => (x.contractId === updated.contractId ? updated : x)),
      }));
      if (updated.state === 'TERMINATED') Taro.showToast({ title: '已解约', icon: 'success' });
    } catch (err) {
      const e = toApiError(err);
      setActionError({ error: e, contractId: c.contractId });
      if (e.code === 'BFF_CONTRACT_NOT_TERMINABLE') reload();
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <View className="page" id="contracts-page">
      <Text className="page__title">我的签约</Text>

      {state.status === 'loading' && !state.data ? <Loading id="contracts-loading" /> : null}
      {state.status === 'error' ? <ErrorView error={state.error} onRetry={reload} /> : null}

      {actionError ? (
        <ActionErrorNotice
          error={actionError.error}
          onRetry={() => {
            const c = state.data?.contracts.find((x) => x.contractId === actionError.contractId);
            setActionError(undefined);
            if (c) terminate(c, true);
          }}
        />
      ) : null}

      {state.data ? (
        <View id="contracts">
          {state.data.contracts.length === 0 ? (
            <View className="empty" id="contracts-empty">
              <Text>还没有签约记录</Text>
            </View>
          ) : null}
          {state.data.contracts.map((c) => (
            <View className="card" id={`contract-${c.contractId}`} key={c.contractId}>
              <View className="card__head">
                <Text className="card__name">{c.planName}</Text>
                <Text className={`tag tag--${c.state}`} id={`contract-state-${c.contractId}`}>
                  {stateLabel(c.state)}
                </Text>
              </View>
              <ContractDates c={c} />
              {c.family === 'edu-papay' && c.state !== 'PENDING' ? (
                <ContractCharges contractId={c.contractId} />
              ) : null}
              {c.state === 'SIGNED' ? (
                <View className="card__actions">
                  <Button
                    className="btn btn--danger"
                    id={`terminate-${c.contractId}`}
                    size="mini"
                    loading={busy === c.contractId}
                    disabled={busy !== undefined}
                    onClick={() => terminate(c)}
                  >
                    解约
                  </Button>
                </View>
              ) : null}
            </View>
          ))}
        </View>
      ) : null}

      <View className="footer">
        <Button
          className="btn btn--plain"
          id="back-plans"
          onClick={() => Taro.reLaunch({ url: '/pages/index/index' })}
        >
          返回首页
        </Button>
      </View>
    </View>
  );
}
