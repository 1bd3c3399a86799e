import { randomBytes } from 'node:crypto';
import type { EduBillingApi } from '@qianyue/wechatpay';
import type pg from 'pg';

/*
 * The billing benchmark's baseline: a bare loop over one batch of periods that makes the SAME WeChat calls as
 * the product's scheduler (notice, debit, order query; the same client, so the same signing and answer
 * verification) and the SAME ledger writes (rows and events, in the product's transactions) with the raw `pg`
 * driver, and nothing else: no claim, no lease, no compare-and-set re-reads, no contract re-check.
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

const event = (c: pg.ClientBase, charge: string, at: Date, call: string, outcome: string, o?: string) =>
  c.query(
    'insert into charge_events (id, charge_id, at, call, outcome, out_trade_no) values ($1,$2,$3,$4,$5,$6)',
    [id('ev'), charge, at, call, outcome, o ?? null],
  );

async function insertCharge(c: pg.ClientBase, contract: string, due: string, at: Date): Promise<string> {
  const charge = id('ch');
  await c.query(
    `insert into charges (id, contract_id, plan_key, period, due_date, amount, currency, description, state,
       attempts, next_action_at, created_at, updated_at)
     values ($1,$2,$3,$4,$5,9900,'CNY','月度课程费','SCHEDULED',0,$6,$7,$7) on conflict do nothing`,
    [charge, contract, BARE_PLAN, due.slice(0, 7), due, PARKED, at],
  );
  await event(c, charge, at, 'plan', 'ok');
  return charge;
}

async function tx<T>(c: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await c.query('begin');
  try {
    const r = await fn();
    await c.query('commit');
    return r;
  } catch (err) {
    await c.query('rollback');
    throw err;
  }
}

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
        const charge = await tx(c, async () => {
          await c.query('update contracts set billing_planned_at = $1 where id = $2', [at, k.id]);
          return insertCharge(c, k.id, due, at);
        });
        out.push({ charge, contract: k.id, wechatContract: k.wechatContract });
      }
      return out;
    },
    async notices(periods: BarePeriod[]) {
      for (const p of periods) {
        await api.sendNotice(p.wechatContract, { appid: o.appid });
        const at = o.now();
        await c.query(
          `update charges set state = 'NOTICE_SENT', notice_day = $1, next_action_at = $2, updated_at = $3 where id = $4`,
          [at.toISOString().slice(0, 10), PARKED, at, p.charge],
        );
        await event(c, p.charge, at, 'notice', 'ok');
      }
    },
    async debits(periods: BarePeriod[]) {
      for (const p of periods) {
        const at = o.now();
        const outTradeNo = otn();
        p.outTradeNo = outTradeNo;
        await tx(c, async () => {
          await c.query(
            `insert into charge_attempts (out_trade_no, charge_id, attempt_no, status, created_at, updated_at)
             values ($1,$2,1,'CREATED',$3,$3)`,
            [outTradeNo, p.charge, at],
          );
          await c.query(
            `update charges set state = 'DEBIT_REQUESTED', attempts = 1, out_trade_no = $1, updated_at = $2 where id = $3`,
            [outTradeNo, at, p.charge],
          );
        });
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
        await event(c, p.charge, at, 'debit', 'ok', outTradeNo);
        await c.query(
          `update charge_attempts set status = 'ACCEPTED', updated_at = $1 where out_trade_no = $2`,
          [at, outTradeNo],
        );
      }
    },
    async queries(periods: BarePeriod[], nextDue: string) {
      for (const p of periods) {
        const order = await api.orderByOutTradeNo(p.outTradeNo!);
        const at = o.now();
        await tx(c, async () => {
          await c.query(
            `update charge_attempts set status = 'SUCCESS', trade_state = $1, transaction_id = $2, updated_at = $3 where out_trade_no = $4`,
            [order.trade_state, order.transaction_id ?? null, at, p.outTradeNo],
          );
          await c.query(
            `update charges set state = 'PAID', transaction_id = $1, paid_at = $2, closed_at = $2, updated_at = $2 where id = $3`,
            [order.transaction_id ?? null, at, p.charge],
          );
          await event(c, p.charge, at, 'query', 'applied', p.outTradeNo);
          await insertCharge(c, p.contract, nextDue, at);
        });
      }
    },
  };
}
