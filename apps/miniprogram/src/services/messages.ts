import type { ConsoleErrorCode, ErrorCode } from '@qianyue/api';
import type { AnyErrorCode, ClientErrorCode } from './errors.ts';

/**
 * The one map from error code to what the user reads. Users never see server text. Every BFF code in
 * `ERROR_CODES` must be here (a test checks it against @qianyue/api), except the operations console's own.
 */
export const ERROR_MESSAGES: Record<Exclude<ErrorCode, ConsoleErrorCode> | ClientErrorCode, string> = {
  BFF_VALIDATION_FAILED: '请求内容有误，请返回重试',
  BFF_UNAUTHENTICATED: '登录状态已失效，请重新登录',
  BFF_SESSION_EXPIRED: '登录已过期，请重新登录',
  BFF_LOGIN_CODE_INVALID: '登录失败，请重试',
  BFF_LOGIN_BLOCKED: '当前微信账号暂时无法登录，请稍后再试',
  BFF_LOGIN_RATE_LIMITED: '登录过于频繁，请稍后再试',
  BFF_PLAN_NOT_FOUND: '该签约项目已下线',
  BFF_CONTRACT_NOT_FOUND: '未找到该签约记录',
  BFF_ROUTE_NOT_FOUND: '服务暂不可用，请升级小程序后重试',
  BFF_ALREADY_SIGNED: '您已签约该项目，无需重复签约',
  BFF_CONTRACT_NOT_TERMINABLE: '该签约当前无法解约',
  BFF_RATE_LIMITED: '操作过于频繁，请稍后再试',
  BFF_INTERNAL: '服务出了点问题，请稍后重试',
  BFF_UPSTREAM_REJECTED: '微信支付暂时拒绝了请求，请稍后重试',
  BFF_UPSTREAM_UNAVAILABLE: '微信支付服务繁忙，请稍后重试',
  BFF_DATABASE_UNAVAILABLE: '服务繁忙，请稍后重试',
  BFF_PAYLOAD_TOO_LARGE: '请求内容过大，请重试',
  BFF_UNSUPPORTED_MEDIA_TYPE: '请求格式有误，请升级小程序后重试',
  BFF_UPSTREAM_TIMEOUT: '微信支付响应超时，请稍后重试',
  BFF_NOT_READY: '服务正在启动，请稍后重试',
  MP_NETWORK_FAILED: '网络连接失败，请检查网络后重试',
  MP_NETWORK_TIMEOUT: '网络请求超时，请重试',
  MP_ANSWER_MALFORMED: '服务返回异常，请稍后重试',
  MP_LOGIN_FAILED: '微信登录失败，请重试',
  MP_NAVIGATE_FAILED: '无法打开微信签约页面，请重试',
  MP_CONFIRM_TIMEOUT: '签约结果确认中，请稍后刷新',
};

export const UNKNOWN_ERROR_MESSAGE = '出了点问题，请重试';

export function messageFor(code: AnyErrorCode): string {
  return (ERROR_MESSAGES as Record<string, string>)[code] ?? UNKNOWN_ERROR_MESSAGE;
}
