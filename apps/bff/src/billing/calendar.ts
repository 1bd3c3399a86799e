/*
 * Dates of the debit cycle, all in China time (UTC+8, no DST), as WeChat counts them (U16: EDU_NOTICE_TZ is
 * Asia/Shanghai). Pure functions over unix seconds and YYYY-MM-DD strings.
 */

import { createHash } from 'node:crypto';

const CST = 8 * 3600;

/** The China calendar day of an instant. */
export const chinaDay = (seconds: number): string =>
  new Date((seconds + CST) * 1000).toISOString().slice(0, 10);

/** 00:00 China time of a day, as unix seconds. */
export const dayStart = (day: string): number => Date.parse(`${day}T00:00:00Z`) / 1000 - CST;

/** Whole days from `a` to `b`. */
export const daysBetween = (a: string, b: string): number =>
  Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);

export const addDays = (day: string, n: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/**
 * The debit day of period `k` (0 = the first) for a first debit day `first` (day of month 1–28, so every
 * month has it): the same day of month, k months later (U21 EDU_DEBIT_DAY_RULE = period_day).
 */
export function dueDay(first: string, k: number): string {
  const [y, m, d] = first.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1 + k, d)).toISOString().slice(0, 10);
}

/** The ledger's period key: the month of the debit day. */
export const periodOf = (due: string): string => due.slice(0, 7);

/**
 * The first debit day of a contract: its period_start_date (what WeChat was told at presign) when present,
 * else the next `dayOfMonth` strictly after the signing day.
 */
export function firstDueDay(periodStartDate: string | null, signedAt: number, dayOfMonth: number): string {
  if (periodStartDate) return periodStartDate;
  const signed = chinaDay(signedAt);
  const candidate = `${signed.slice(0, 8)}${String(dayOfMonth).padStart(2, '0')}`;
  return candidate > signed ? candidate : dueDay(candidate, 1);
}

/**
 * A contract's fixed offset into its day, in [0, spread) seconds: where its notices and debits fall inside
 * the spread window. Derived from the contract id, so every replica computes the same one.
 */
export function spreadOffset(contractId: string, spreadSeconds: number): number {
  if (spreadSeconds <= 0) return 0;
  return createHash('sha256').update(contractId).digest().readUInt32BE(0) % spreadSeconds;
}
