import { describe, expect, it } from 'vitest';
import { addDays, chinaDay, dayStart, dueDay, firstDueDay, periodOf } from '../src/billing/calendar.ts';
import { resolveBillingSettings } from '../src/billing/settings.ts';
import { loadConfig } from '../src/config.ts';
import { testEnv } from './helpers/harness.ts';

describe('billing settings (every UNCONFIRMED rule a variable with the documented default)', () => {
  it('defaults to the documented inferences', () => {
    expect(resolveBillingSettings({})).toMatchObject({
      noticeLeadDaysMin: 1,
      noticeLeadDaysMax: 3,
      maxAttempts: 3,
      retrySpacingSeconds: 86_400,
      noNoticeCodes: ['INVALID_REQUEST'],
      contractGoneCodes: ['NOT_FOUND', 'RESOURCE_NOT_EXISTS'],
      duplicateOrderCodes: ['ALREADY_EXISTS'],
      orderNotFoundCodes: ['NOT_FOUND', 'RESOURCE_NOT_EXISTS', 'ORDER_NOT_EXIST'],
      eventTypes: { 'TRANSACTION.SUCCESS': 'success', 'TRANSACTION.FAIL': 'fail' },
      requestsPerSecond: 0,
    });
  });

  it('reads overrides and refuses bad values, naming the variable and never the value', () => {
    const s = resolveBillingSettings({
      EDU_NO_NOTICE_CODES: 'INVALID_REQUEST, NO_NOTICE',
      EDU_DEBIT_EVENT_TYPES: '{"PAY.OK":"success","PAY.NO":"fail"}',
      BILLING_MAX_ATTEMPTS: '5',
    });
    expect(s.noNoticeCodes).toEqual(['INVALID_REQUEST', 'NO_NOTICE']);
    expect(s.eventTypes).toEqual({ 'PAY.OK': 'success', 'PAY.NO': 'fail' });
    expect(s.maxAttempts).toBe(5);
    for (const [name, value] of [
      ['BILLING_MAX_ATTEMPTS', '0'],
      ['BILLING_BATCH', 'lots'],
      ['EDU_NOTICE_LEAD_DAYS_MAX', '-1'],
      ['EDU_DEBIT_EVENT_TYPES', '{"X":"maybe"}'],
      ['EDU_DEBIT_EVENT_TYPES', 'not json'],
    ] as const) {
      expect(() => resolveBillingSettings({ [name]: value }), name).toThrow(new RegExp(`^${name}: `));
    }
    expect(() =>
      resolveBillingSettings({ EDU_NOTICE_LEAD_DAYS_MIN: '3', EDU_NOTICE_LEAD_DAYS_MAX: '2' }),
    ).toThrow(/EDU_NOTICE_LEAD_DAYS_MAX/);
  });

  it('a bad billing variable stops start-up through the configuration resolver', async () => {
    await expect(loadConfig(testEnv('http://127.0.0.1:9', { BILLING_RETRY_LAST_DAY: '99' }))).rejects.toThrow(
      /BILLING_RETRY_LAST_DAY/,
    );
    const ok = await loadConfig(testEnv('http://127.0.0.1:9', { BILLING_REQUESTS_PER_SECOND: '50' }));
    expect(ok.billing?.requestsPerSecond).toBe(50);
  });
});

describe('debit calendar (China time)', () => {
  it('counts China days, not UTC days', () => {
    // 2026-12-31T16:30Z is 2027-01-01 00:30 in China.
    expect(chinaDay(Date.parse('2026-12-31T16:30:00Z') / 1000)).toBe('2027-01-01');
    expect(chinaDay(Date.parse('2026-12-31T15:59:59Z') / 1000)).toBe('2026-12-31');
    expect(dayStart('2027-01-01')).toBe(Date.parse('2026-12-31T16:00:00Z') / 1000);
    expect(addDays('2027-03-01', -1)).toBe('2027-02-28');
  });

  it('keeps the day of month across months and years (days 1–28 exist in every month)', () => {
    expect(dueDay('2026-11-28', 3)).toBe('2027-02-28');
    expect(dueDay('2026-12-01', 1)).toBe('2027-01-01');
    expect(Array.from({ length: 12 }, (_, k) => periodOf(dueDay('2027-01-15', k)))).toEqual(
      Array.from({ length: 12 }, (_, k) => `2027-${String(k + 1).padStart(2, '0')}`),
    );
  });

  it('the first debit day: period_start_date when known, else the next dayOfMonth strictly after signing', () => {
    expect(firstDueDay('2027-01-05', 0, 1)).toBe('2027-01-05');
    const signedOn = (day: string) => dayStart(day) + 10 * 3600;
    expect(firstDueDay(null, signedOn('2026-11-30'), 1)).toBe('2026-12-01');
    expect(firstDueDay(null, signedOn('2026-12-01'), 1)).toBe('2027-01-01');
    expect(firstDueDay(null, signedOn('2026-12-01'), 15)).toBe('2026-12-15');
  });
});
