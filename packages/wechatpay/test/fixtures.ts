import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The TEST-ONLY openssl/Java-made fixtures in the repository's `fixtures/`; expected values are only ever read from here, never computed. */
export const FIXTURES_DIR =
  process.env.QIANYUE_FIXTURES_DIR ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures');

export function fixtureText(rel: string): string {
  return readFileSync(path.join(FIXTURES_DIR, rel), 'utf8');
}

export function fixtureJson<T>(rel: string): T {
  return JSON.parse(fixtureText(rel)) as T;
}

export interface RequestSigningCase {
  id: string;
  description: string;
  method: string;
  url: string;
  timestamp: string;
  nonce: string;
  body: string;
  message: string;
  signature: string;
  authorization: string;
}
export interface RequestSigningFile {
  mchid: string;
  serial_no: string;
  cases: RequestSigningCase[];
}

export interface AnswerCase {
  id: string;
  expect: 'valid' | 'invalid';
  reason: string;
  now: number;
  signed_with: string;
  headers: Record<string, string>;
  body: string;
  message: string;
}
export interface AnswerFile {
  window_seconds: number;
  keys: Record<string, string>;
  cases: AnswerCase[];
}

export interface AesCase {
  id: string;
  expect: 'ok' | 'reject';
  key: string;
  nonce: string;
  associated_data: string;
  ciphertext: string;
  plaintext?: string;
  reason?: string;
}

export interface NotificationFile {
  description: string;
  now: number;
  request: { method: string; path: string; headers: Record<string, string>; body: string };
  expect: {
    signature: 'valid' | 'invalid';
    timestamp?: 'fresh' | 'stale';
    decrypt?: 'ok' | 'fail';
    reason?: string;
    plaintext_raw?: string;
    plaintext?: unknown;
  };
}

export interface CertificatesAnswerFile {
  now: number;
  status: number;
  headers: Record<string, string>;
  body: string;
  message: string;
  expect: { signature: string; serial_no: string; certificate_pem: string };
}

export const fixedClock = (now: number) => ({ now: () => now });

export const merchantSerial = () => fixtureText('merchant/serial.txt').trim();
export const platformSerial = () => fixtureText('platform/serial.txt').trim();
export const publicKeyId = () => fixtureText('platform/pubkey/id.txt').trim();
export const apiV3KeyText = () => fixtureText('apiv3-key.txt');
