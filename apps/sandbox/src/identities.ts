import { createHmac } from 'node:crypto';
import type { MerchantConfig } from './config.ts';
import type { SandboxContext } from './context.ts';
import { paramError } from './errors.ts';
import { alnum } from './platform-keys.ts';

/*
 * Users and their openids. In WeChat a person has one openid PER AppID: the same user logged in to the
 * merchant's mini-program and to the sub-merchant's gets two different openids, and an API that pairs an
 * AppID with an openid of another AppID fails with 400 PARAM_ERROR "appid和openid不匹配" (FORUM-1,
 * contract-apis-next.md §2.2). The sandbox derives openids deterministically from (seed, appid, user) and
 * remembers which (appid, user) each one names, so a mode wired to the wrong AppID fails here as it would there.
 */

export interface Identity {
  appid: string;
  user: string;
}

/** A 28-character openid (the length of WeChat's, e.g. oUpF8uMuAJO_M2pxb1Q9zNjWeS6o) for this user under this AppID. */
export function deriveOpenid(seed: number, appid: string, user: string): string {
  const mac = createHmac('sha256', `qianyue-sandbox-openid-${seed}`)
    .update(`${appid}\n${user}`)
    .digest('base64url');
  return `o${mac.slice(0, 27)}`;
}

export interface IdentityRegistry {
  /** The user's openid under `appid` (remembered, so ownerOf finds it). */
  openidFor(appid: string, user: string): string;
  /** Registers an openid the caller chose (older tests and the H5 demo pass their own). */
  adopt(appid: string, openid: string): Identity;
  ownerOf(openid: string): Identity | undefined;
  /** The same person's openid under another AppID; an openid the sandbox never issued stands for its own user. */
  translate(openid: string, toAppid: string): string;
  newUser(): string;
  readonly size: number;
}

export function createIdentityRegistry(seed: number): IdentityRegistry {
  const owners = new Map<string, Identity>();
  const reg: IdentityRegistry = {
    openidFor(appid, user) {
      const openid = deriveOpenid(seed, appid, user);
      if (!owners.has(openid)) owners.set(openid, { appid, user });
      return openid;
    },
    adopt(appid, openid) {
      const known = owners.get(openid);
      if (known) return known;
      const id = { appid, user: `openid:${openid}` };
      owners.set(openid, id);
      return id;
    },
    ownerOf: (openid) => owners.get(openid),
    translate(openid, toAppid) {
      const owner = owners.get(openid);
      if (owner?.appid === toAppid) return openid;
      return reg.openidFor(toAppid, owner?.user ?? `openid:${openid}`);
    },
    newUser: () => `u${alnum(16)}`,
    get size() {
      return owners.size;
    },
  };
  return reg;
}

/**
 * 400 PARAM_ERROR "<appField>和<openidField>不匹配" when `openid` is known to belong to another AppID. An openid
 * the sandbox never issued passes unless rules.unknownOpenids is 'reject' (tests may send documented examples).
 */
export function checkOpenidPair(
  ctx: SandboxContext,
  pair: { appid: string; openid: string; appField: string; openidField: string },
): void {
  const owner = ctx.state.identities.ownerOf(pair.openid);
  const mismatch = owner ? owner.appid !== pair.appid : ctx.config.rules.unknownOpenids === 'reject';
  if (mismatch) {
    throw paramError(`${pair.appField}和${pair.openidField}不匹配`, {
      field: `/${pair.openidField}`,
      location: 'body',
      issue: `${pair.openidField} is not a user of ${pair.appField}`,
    });
  }
}

/** sub_openid needs its sub_appid and must be a user of it (edu-papay and every password-exempt mode). */
export function checkSubOpenid(ctx: SandboxContext, subAppid: string | undefined, subOpenid: string): void {
  if (subAppid === undefined) {
    throw paramError('sub_appid和sub_openid不匹配', { field: '/sub_openid', location: 'body' });
  }
  checkOpenidPair(ctx, {
    appid: subAppid,
    openid: subOpenid,
    appField: 'sub_appid',
    openidField: 'sub_openid',
  });
}

/** The body's AppID (`appid`, or `sp_appid` of the service-provider mode) must be one of the merchant's. */
export function checkMerchantAppid(m: MerchantConfig, appid: string, field = 'appid'): void {
  if (!m.appIds.includes(appid)) {
    throw paramError(`${field}和mch_id不匹配`, { field: `/${field}`, location: 'body' });
  }
}
