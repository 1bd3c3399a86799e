import {
  EduDebitRequest,
  EduOrderQuery,
  EduOutTradeNoParams,
  EduTransactionIdParams,
  EduUserNotificationRequest,
} from '@qianyue/wechatpay';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { cstDay, type DebitOutcome, daysBetween, type Order } from '../billing-state.ts';
import { merchantOf, type SandboxContext } from '../context.ts';
import { notFound, WechatAnswerError } from '../errors.ts';
import { checkMerchantAppid } from '../identities.ts';
import { rfc3339Cst } from '../platform-keys.ts';
import type { EduContract } from '../state.ts';
import { createValidators } from '../validation.ts';

/** The order object of the queries and of the debit-result resource (contract-apis-next.md §5.4, §5.6). */
export function orderResource(o: Order) {
  return {
    sp_mchid: o.mchId,
    appid: o.appid,
    ...(o.subMchid ? { sub_mchid: o.subMchid } : {}),
    ...(o.subAppid ? { sub_appid: o.subAppid } : {}),
    out_trade_no: o.outTradeNo,
    transaction_id: o.transactionId,
    ...(o.attach !== undefined ? { attach: o.attach } : {}),
    ...(o.state === 'SUCCESS'
      ? { bank_type: 'OTHERS', success_time: rfc3339Cst(o.successAt ?? o.createdAt) }
      : {}),
    trade_state: o.state,
    trade_state_description:
      o.state === 'SUCCESS' ? '支付成功' : o.state === 'ACCEPTED' ? '已受理,未支付' : o.failReason,
    payer: { openid: o.openid },
    amount: {
      total: o.total,
      ...(o.state === 'SUCCESS' ? { payer_total: o.total, discount_total: 0 } : {}),
      currency: 'CNY',
    },
    device_information: { ...(o.deviceId ? { device_id: o.deviceId } : {}), device_ip: o.deviceIp },
  };
}

/**
 * POST /v3/edu-papay/user-notifications/{contract_id}/send, POST /v3/edu-papay/transactions and the two
 * order queries. A debit needs a notice sent 1–3 China calendar days before (settings), is idempotent on
 * out_trade_no (one order per number, never a second charge) and settles to SUCCESS or PAY_FAIL, now or
 * after an ACCEPTED stretch, with a TRANSACTION.* notification through the shared notifier (so every
 * notification fault knob applies).
 */
export function eduPapayBillingRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const { state, clock, billing } = ctx;
  const v = createValidators({
    EduUserNotificationRequest,
    EduDebitRequest: ctx.config.notify.allowInsecureNotifyUrl
      ? Type.Object(
          {
            ...EduDebitRequest.properties,
            notify_url: Type.String({ pattern: '^https?://[^\\s?#]+$', maxLength: 256 }),
          },
          { additionalProperties: false },
        )
      : EduDebitRequest,
    EduOrderQuery,
    EduOutTradeNoParams,
    EduTransactionIdParams,
  });
  app.addHook('onClose', async () => billing.close());

  const liveContract = (mchId: string, contractId: string, appid: string): EduContract => {
    const c = state.contracts.get(contractId);
    if (c?.kind !== 'edu' || c.mchId !== mchId || c.appid !== appid || c.status !== 'ADD') {
      // Unknown, someone else's and terminated look the same from outside (code UNCONFIRMED, U18).
      throw notFound('签约关系不存在或已解约');
    }
    return c;
  };

  const settle = (o: Order) => {
    o.state = o.final;
    if (o.final === 'SUCCESS') o.successAt = clock.now();
    if (o.final === 'PAY_FAIL' && billing.settings.noticeReusableAfterFail) {
      for (const n of billing.notices.get(o.contractId) ?? []) if (n.usedBy === o.outTradeNo) delete n.usedBy;
    }
    const m = merchantOf(ctx, o.mchId);
    ctx.notifier.send({
      url: o.notifyUrl,
      eventType: o.final === 'SUCCESS' ? billing.settings.eventSuccess : billing.settings.eventFail,
      summary: o.final === 'SUCCESS' ? '支付成功' : '支付失败',
      contractId: o.contractId,
      apiV3Key: m.apiV3Key,
      associatedData: 'transaction',
      originalType: 'transaction',
      resource: orderResource(o),
    });
  };

  const open = (key: string, order: Order, outcome: DebitOutcome) => {
    billing.orders.set(key, order);
    billing.byTransactionId.set(`${order.mchId}|${order.transactionId}`, order);
    if (outcome.startsWith('ACCEPTED_THEN'))
      billing.later(billing.settings.settleAfterMs, () => settle(order));
    else settle(order);
  };
  app.post<{ Params: { contract_id: string } }>(
    '/edu-papay/user-notifications/:contract_id/send',
    async (req, reply) => {
      const body = v.check<EduUserNotificationRequest>('EduUserNotificationRequest', req.jsonBody, 'body');
      const m = req.merchant!;
      checkMerchantAppid(m, body.appid);
      const c = liveContract(m.mchId, req.params.contract_id, body.appid);
      const now = clock.now();
      const list = billing.notices.get(c.contractId) ?? [];
      list.push({ contractId: c.contractId, mchId: m.mchId, sentAt: now, day: cstDay(now) });
      billing.notices.set(c.contractId, list.slice(-20));
      return reply.code(204).send();
    },
  );

  app.post('/edu-papay/transactions', async (req, reply) => {
    const body = v.check<EduDebitRequest>('EduDebitRequest', req.jsonBody, 'body');
    const m = req.merchant!;
    const s = billing.settings;
    checkMerchantAppid(m, body.appid);
    const key = `${m.mchId}|${body.out_trade_no}`;
    const existing = billing.orders.get(key);
    if (existing) {
      // The same number is the retry key of one payment: never a second order, never a second charge.
      const same = existing.contractId === body.contract_id && existing.total === body.amount.total;
      if (!same || s.resubmitSameNo === 'ALREADY_EXISTS') {
        throw new WechatAnswerError(400, 'ALREADY_EXISTS', '商户订单号重复');
      }
      return reply.code(204).send();
    }
    const c = liveContract(m.mchId, body.contract_id, body.appid);
    const now = clock.now();
    const today = cstDay(now);
    const notice = (billing.notices.get(c.contractId) ?? []).find((n) => {
      const lead = daysBetween(n.day, today);
      return n.usedBy === undefined && lead >= s.noticeLeadDaysMin && lead <= s.noticeLeadDaysMax;
    });
    if (!notice) {
      throw new WechatAnswerError(400, s.noNoticeCode, '扣款前未按规定发送扣款预通知', {
        issue: 'no pre-debit notice in the window (code UNCONFIRMED)',
      });
    }
    const outcome = billing.nextOutcome(c.contractId);
    const final = outcome.endsWith('PAY_FAIL') ? 'PAY_FAIL' : 'SUCCESS';
    if (final === 'PAY_FAIL' && s.balanceFailMode === 'sync') {
      throw new WechatAnswerError(403, 'NOT_ENOUGH', '用户余额不足');
    }
    notice.usedBy = body.out_trade_no;
    const order: Order = {
      mchId: m.mchId,
      appid: body.appid,
      ...(body.sub_mchid ? { subMchid: body.sub_mchid } : {}),
      ...(body.sub_appid ? { subAppid: body.sub_appid } : {}),
      outTradeNo: body.out_trade_no,
      transactionId: billing.newTransactionId(now),
      contractId: c.contractId,
      openid: c.openid,
      body: body.body,
      ...(body.attach !== undefined ? { attach: body.attach } : {}),
      total: body.amount.total,
      notifyUrl: body.notify_url,
      deviceIp: body.device_information.device_ip,
      ...(body.device_information.device_id ? { deviceId: body.device_information.device_id } : {}),
      state: 'ACCEPTED',
      final,
      failReason: s.failReason,
      createdAt: now,
    };
    const holds = billing.holds.get(c.contractId) ?? 0;
    if (holds > 0) {
      // Taken in (checked, notice spent) but not visible to any query until it lands; the caller learns nothing.
      if (holds === 1) billing.holds.delete(c.contractId);
      else billing.holds.set(c.contractId, holds - 1);
      billing.held.push({ key, order, outcome });
      throw new WechatAnswerError(500, 'SYSTEM_ERROR', '系统错误');
    }
    open(key, order, outcome);
    return reply.code(204).send();
  });

  billing.landHeld = () => {
    const landed: string[] = [];
    const merged: string[] = [];
    for (const h of billing.held.splice(0)) {
      // One order per out_trade_no: a resend that already opened this number's order absorbs the late one.
      if (billing.orders.has(h.key)) merged.push(h.order.outTradeNo);
      else {
        open(h.key, h.order, h.outcome);
        landed.push(h.order.outTradeNo);
      }
    }
    return { landed, merged };
  };

  const orderAnswer = (o: Order | undefined, q: EduOrderQuery) => {
    if (!o || (q.sub_mchid !== undefined && q.sub_mchid !== (o.subMchid ?? ''))) {
      // U27: the real "no such order" code is UNCONFIRMED.
      throw notFound('订单不存在');
    }
    return orderResource(o);
  };
  app.get<{ Params: { out_trade_no: string } }>(
    '/edu-papay/transactions/out-trade-no/:out_trade_no',
    async (req) => {
      v.check('EduOutTradeNoParams', { ...req.params }, 'path');
      const q = v.check<EduOrderQuery>('EduOrderQuery', { ...(req.query as object) }, 'query');
      return orderAnswer(billing.orders.get(`${req.merchant!.mchId}|${req.params.out_trade_no}`), q);
    },
  );
  app.get<{ Params: { transaction_id: string } }>(
    '/edu-papay/transactions/id/:transaction_id',
    async (req) => {
      v.check('EduTransactionIdParams', { ...req.params }, 'path');
      const q = v.check<EduOrderQuery>('EduOrderQuery', { ...(req.query as object) }, 'query');
      return orderAnswer(
        billing.byTransactionId.get(`${req.merchant!.mchId}|${req.params.transaction_id}`),
        q,
      );
    },
  );
}
