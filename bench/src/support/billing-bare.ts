import { randomBytes } from 'node:crypto';
import type { EduBillingApi } from '@qianyue/wechatpay';
import type pg from 'pg';

/*
 * The billing benchmark's baseline: a bare loop over one batch of periods that makes the SAME WeChat calls as
 * the product's scheduler (notice, debit, order query; the same client, so the same signing and answer
 * verification) and the SAME ledger writes (rows and events) with the raw `pg` driver in as few round trips as
 * the writes allow — each step's writes in ONE statement (data-modifying CTEs), as the product folds its own —
 * and nothing else: no claim, no lease, no compare-and-set, no contract re-check.
 * Its periods use their own plan key, so the product's scheduler never sees them.
 */
export const BARE_PLAN = 'edu-bare';
/** The bare loop's rows are never due for the product's scheduler, which shares the tables. */
const PARKED = new Date('2100-01-01T00:00:00Z');
const id = (p: string) => `${p}_${randomBytes(15).toString('base64url')}`;
const otn = () => `QYB${randomBytes(21).toString('base64url').replace(/[-_]/g, 'x').slice(0, 29)}`;

interface BarePeriod {
  charge: string;
  contract: string;
  wechatContract: string;
  outTradeNo?: string;
}

const CHARGE_COLUMNS = `id, contract_id, plan_key, period, due_date, amount, currency, description, state,
  attempts, next_action_at, created_at, updated_at`;

export function createBareLoop(o: {
  client: pg.ClientBase;
  api: EduBillingApi;
  appid: string;
  notifyUrl: string;
  now: () => Date;
}) {
  const { client: c, api } = o;
  return {
    async plan(contracts: Array<{ id: string; wechatContract: string }>, due: string): Promise<BarePeriod[]> {
      const out: BarePeriod[] = [];
      for (const k of contracts) {
        const at = o.now();
        const charge = id('ch');
        await c.query(
          `with k as (update contracts set billing_planned_at = $1 where id = $2),
             ch as (insert into charges (${CHARGE_COLUMNS})
               values ($3,$2,$4,$5,$6,9900,'CNY','月度课程费','SCHEDULED',0,$7,$1,$1) on conflict do nothing returning id)
           insert into charge_events (id, charge_id, at, call, outcome) select $8, id, $1, 'plan', 'ok' from ch`,
          [at, k.id, charge, BARE_PLAN, due.slice(0, 7), due, PARKED, id('ev')],
        );
        out.push({ charge, contract: k.id, wechatContract: k.wechatContract });
      }
      return out;
    },
    async notices(periods: BarePeriod[]) {
      for (const p of periods) {
        await api.sendNotice(p.wechatContract, { appid: o.appid });
        const at = o.now();
        await c.query(
          `with u as (update charges set state = 'NOTICE_SENT', notice_day = $1, next_action_at = $2, updated_at = $3
             where id = $4)
           insert into charge_events (id, charge_id, at, call, outcome) values ($5, $4, $3, 'notice', 'ok')`,
          [at.toISOString().slice(0, 10), PARKED, at, p.charge, id('ev')],
        );
      }
    },
    async debits(periods: BarePeriod[]) {
      for (const p of periods) {
        const at = o.now();
        const outTradeNo = otn();
        p.outTradeNo = outTradeNo;
        await c.query(
          `with u as (update charges set state = 'DEBIT_REQUESTED', attempts = 1, out_trade_no = $1, updated_at = $2
             where id = $3)
           insert into charge_attempts (out_trade_no, charge_id, attempt_no, status, created_at, updated_at)
           values ($1, $3, 1, 'CREATED', $2, $2)`,
          [outTradeNo, at, p.charge],
        );
        await api.debit({
          appid: o.appid,
          body: '月度课程费',
          out_trade_no: outTradeNo,
          notify_url: o.notifyUrl,
          contract_id: p.wechatContract,
          trade_scene: 'EDUCATION_PERIOD',
          amount: { total: 9900, currency: 'CNY' },
          device_information: { device_ip: '127.0.0.1' },
        });
        await c.query(
          `with a as (update charge_attempts set status = 'ACCEPTED', updated_at = $1 where out_trade_no = $2)
           insert into charge_events (id, charge_id, at, call, outcome, out_trade_no)
           values ($3, $4, $1, 'debit', 'ok', $2)`,
          [at, outTradeNo, id('ev'), p.charge],
        );
      }
    },
    async queries(periods: BarePeriod[], nextDue: string) {
      for (const p of periods) {
        const order = await api.orderByOutTradeNo(p.outTradeNo!);
        const at = o.now();
        await c.query(
          `with a as (update charge_attempts set status = 'SUCCESS', trade_state = $1, transaction_id = $2,
               updated_at = $3 where out_trade_no = $4),
             paid as (update charges set state = 'PAID', transaction_id = $2, paid_at = $3, closed_at = $3,
               updated_at = $3 where id = $5),
             e as (insert into charge_events (id, charge_id, at, call, outcome, out_trade_no)
               values ($6, $5, $3, 'query', 'applied', $4)),
             ch as (insert into charges (${CHARGE_COLUMNS})
               values ($7,$8,$9,$10,$11,9900,'CNY','月度课程费','SCHEDULED',0,$12,$3,$3) on conflict do nothing
               returning id)
           insert into charge_events (id, charge_id, at, call, outcome) select $13, id, $3, 'plan', 'ok' from ch`,
          [
            order.trade_state,
            order.transaction_id ?? null,
            at,
            p.outTradeNo,
            p.charge,
            id('ev'),
            id('ch'),
            p.contract,
            BARE_PLAN,
            nextDue.slice(0, 7),
            nextDue,
            PARKED,
            id('ev'),
          ],
        );
      }
    },
  };
}
