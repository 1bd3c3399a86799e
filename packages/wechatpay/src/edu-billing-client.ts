import { Value } from '@sinclair/typebox/value';
import type { WechatPayClient } from './client.ts';
import { at } from './client-operations.ts';
import { AnswerFormatError } from './errors.ts';
import type { Operation } from './operations/common.ts';
import {
  type EduOrder,
  type EduOrderQuery,
  EduOrder as EduOrderSchema,
  eduOrderByIdOperation,
  eduOrderByOutTradeNoOperation,
} from './operations/edu-papay-order-query.ts';
import { type EduDebitRequest, eduDebitOperation } from './operations/edu-papay-transaction.ts';
import {
  type EduUserNotificationRequest,
  eduSendUserNotificationOperation,
} from './operations/edu-papay-user-notification.ts';

/**
 * The edu-papay debit cycle as typed calls over a client's signed `request` (every answer verified there).
 * Kept beside the client rather than inside it, so the contract operations and these evolve separately.
 */
export interface EduBillingApi {
  /** 204 = the notice went out. Any error is thrown (ApiError, TransportError…): the caller records it. */
  sendNotice(contractId: string, body: EduUserNotificationRequest): Promise<void>;
  /** 204 = ACCEPTED (not paid). A timeout / 5xx leaves the outcome unknown: query by out_trade_no next. */
  debit(body: EduDebitRequest): Promise<void>;
  orderByOutTradeNo(outTradeNo: string, query?: EduOrderQuery): Promise<EduOrder>;
  orderByTransactionId(transactionId: string, query?: EduOrderQuery): Promise<EduOrder>;
}

function checkOrder(data: unknown, requestId: string | undefined): EduOrder {
  if (!Value.Check(EduOrderSchema, data)) {
    // A verified but unreadable order is an unknown outcome for the caller, never a guess.
    throw new AnswerFormatError('order answer does not match the edu order schema', { requestId });
  }
  return data;
}

export function createEduBillingApi(client: Pick<WechatPayClient, 'request'>): EduBillingApi {
  /** The two order queries differ only by the operation (by out_trade_no or by transaction_id). */
  async function getOrder(op: Operation<[id: string]>, id: string, query?: EduOrderQuery): Promise<EduOrder> {
    const r = await client.request<unknown>({
      ...at(op, id),
      ...(query?.sub_mchid ? { query: { sub_mchid: query.sub_mchid } } : {}),
    });
    return checkOrder(r.data, r.requestId);
  }
  return {
    async sendNotice(contractId, body) {
      await client.request({ ...at(eduSendUserNotificationOperation, contractId), body });
    },
    async debit(body) {
      await client.request({ ...at(eduDebitOperation), body });
    },
    orderByOutTradeNo: (outTradeNo, query) => getOrder(eduOrderByOutTradeNoOperation, outTradeNo, query),
    orderByTransactionId: (transactionId, query) => getOrder(eduOrderByIdOperation, transactionId, query),
  };
}
