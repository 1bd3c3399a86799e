import { type Static, Type } from '@sinclair/typebox';

/** The one thing the mini-program sends to log in: the `wx.login` code. Never an openid. */
export const LoginBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7E]+$' }),
    /**
     * The AppID of the mini-program that called wx.login (default: the BFF's WECHAT_APP_ID). Only picks which
     * AppSecret exchanges the code: a code from another mini-program fails at WeChat, so it cannot be forged.
     */
    appId: Type.Optional(Type.String({ minLength: 3, maxLength: 32, pattern: '^wx[0-9A-Za-z]+$' })),
  },
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
