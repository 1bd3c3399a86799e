import type { Harness } from './harness.ts';

/** What a presign may have written for a user: its contract rows and its member number rows. */
export const claimsAndMembersOf = (h: Harness, openid: string) =>
  Promise.all([
    h.app.db.selectFrom('contracts').select('id').where('openid', '=', openid).execute(),
    h.app.db.selectFrom('members').select('member_no').where('openid', '=', openid).execute(),
  ]);
