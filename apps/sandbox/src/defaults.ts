/**
 * The ids the sandbox serves when none are configured: the official docs' example values (appid
 * wxd678efh567hg6787, service_id 12535 …), so a bare `pnpm dev` answers the documented example bodies.
 * No secret lives here: app secrets and keys come from the environment or from generated dev keys.
 */
export const EXAMPLE_IDS = {
  mchId: '1900000109',
  appId: 'wxd678efh567hg6787',
  subMchId: '1900000209',
  subAppId: 'wx8888888888888888',
  planId: '101164396123311331',
  serviceId: 12535,
} as const;
