import { type Static, Type } from '@sinclair/typebox';

/** The one thing the mini-program sends to log in: the `wx.login` code. Never an openid. */
export const LoginBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7E]+$' }) },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const LoginReply = Type.Object(
  {
    /** Opaque bearer token; send as `Authorization: Bearer <token>`. */
    token: Type.String(),
    /** RFC 3339; log in again (silently) before this. */
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type LoginReply = Static<typeof LoginReply>;
