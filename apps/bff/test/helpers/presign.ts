import type { Harness } from './harness.ts';

export interface PresignAnswer {
  contractId: string;
  navigate: { appId: string; path: string; extraData: Record<string, string> };
  expiresAt: string;
  reused: boolean;
}

/** A new user logs in and asks for a presign on `planKey`; the answer is the test's to check. */
export async function loginAndPresign(h: Harness, planKey: string) {
  const { token, openid } = await h.login();
  const res = await h.call<PresignAnswer>('POST', '/v1/contracts/presign', { token, body: { planKey } });
  return { token, openid, res };
}

/** The sandbox signing session a presign answer navigates to (presign_token or pre_entrustweb_id). */
export const signingSessionOf = (p: PresignAnswer) => Object.values(p.navigate.extraData)[0];

/** What a presign may have written for a user: its contract rows and its member number rows. */
export const claimsAndMembersOf = (h: Harness, openid: string) =>
  Promise.all([
    h.app.db.selectFrom('contracts').select('id').where('openid', '=', openid).execute(),
    h.app.db.selectFrom('members').select('member_no').where('openid', '=', openid).execute(),
  ]);
