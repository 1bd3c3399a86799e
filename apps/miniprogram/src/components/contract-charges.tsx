import type { ContractChargesReply } from '@qianyue/api';
import { Text, View } from '@tarojs/components';
import { useResource } from '../hooks/use-resource.ts';
import { chargeLine, nextChargeLabel } from '../services/billing-view.ts';
import { useServices } from '../services/context.ts';

/** A billed contract's next debit and its history (newest first), from GET /v1/contracts/:id/charges. */
export function ContractCharges({ contractId }: { contractId: string }) {
  const services = useServices();
  const { state } = useResource<ContractChargesReply>(() => services.bff.charges(contractId));
  if (!state.data) return null;
  const { next, history } = state.data;
  return (
    <View className="charges" id={`charges-${contractId}`}>
      {next ? (
        <Text className="card__meta" id={`next-charge-${contractId}`}>
          {nextChargeLabel(next)}
        </Text>
      ) : null}
      {history
        .filter((c) => c !== next && c.period !== next?.period)
        .map((c) => (
          <Text className="card__meta" key={c.period} id={`charge-${contractId}-${c.period}`}>
            {chargeLine(c)}
          </Text>
        ))}
    </View>
  );
}
