import { randomInt } from 'node:crypto';

/** Unix time in whole SECONDS — the unit of every APIv3 timestamp. Injected so tests and the sandbox own time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Math.floor(Date.now() / 1000) };

export type NonceSource = () => string;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 32 chars from [0-9A-Za-z] via crypto.randomInt (CSPRNG, unbiased); alphanumeric so it is safe inside a quoted header value. */
export const randomNonce: NonceSource = () => {
  let out = '';
  for (let i = 0; i < 32; i++) out += ALPHABET[randomInt(62)];
  return out;
};
