// Public surface of @qianyue/wechatpay (server-only). Exports only; no logic here.
export { decryptResource, encryptResource } from './aes-gcm.ts';
export {
  type AuthorizationFields,
  buildAuthorization,
  formatAuthorization,
  parseAuthorization,
} from './authorization.ts';
export { answerMessage, requestMessage } from './canonical.ts';
export { downloadCertificates, type PlatformCertificate, parseCertificatesAnswer } from './certificates.ts';
export {
  createWechatPayClient,
  type Query,
  type RawAnswer,
  type RequestOptions,
  type WechatPayClient,
  type WechatPayClientOptions,
} from './client.ts';
export type { EduPapayMethods, PasswordExemptMethods } from './client-operations.ts';
export {
  AEAD_ALGORITHM,
  AUTH_SCHEME,
  DEFAULT_BASE_URL,
  HEADER,
  MAX_CLOCK_SKEW_SECONDS,
  SIGNTEST_PREFIX,
} from './constants.ts';
// edu-papay debit cycle (issue 16): notice, debit, order queries, debit-result resource.
export { createEduBillingApi, type EduBillingApi } from './edu-billing-client.ts';
export {
  AnswerFormatError,
  ApiError,
  type ApiErrorFields,
  AuthorizationFormatError,
  assertNever,
  ClockSkewError,
  ConfigError,
  DecryptError,
  isRetryable,
  MissingHeaderError,
  NotificationFormatError,
  ProbeSignatureError,
  RequestFormatError,
  SensitiveFieldError,
  SignatureInvalidError,
  TransportError,
  type TransportErrorCode,
  UnknownSerialError,
  UnsupportedSignatureTypeError,
  WECHATPAY_ERROR_CODES,
  WechatPayError,
  type WechatPayErrorCode,
} from './errors.ts';
export {
  type CertificateStore,
  createCertificateStore,
  createStaticKeyResolver,
  type PublicKeyResolver,
} from './key-resolver.ts';
export { type Clock, type NonceSource, randomNonce, systemClock } from './nonce.ts';
export {
  type ContractEvent,
  createNotificationParser,
  DEFAULT_EVENT_TYPES,
  type EventTypeMap,
  type NotificationEnvelope,
  type NotificationParser,
  type NotificationParserOptions,
  parseNotification,
} from './notify.ts';
export { decryptSensitive, encryptSensitive } from './oaep.ts';
export { enc as encodePathSegment, type Operation, str as wechatString } from './operations/common.ts';
export {
  EduContract,
  EduContractIdParams,
  EduContractInformation,
  EduContractList,
  EduContractStatus,
  EduQueryByIdQuery,
  EduQueryByUserQuery,
  EduUserParams,
  eduQueryByIdOperation,
  eduQueryByUserOperation,
  eduTerminateOperation,
} from './operations/edu-papay-contract.ts';
export {
  EDU_TRADE_STATES,
  EduOrder,
  EduOrderQuery,
  EduOutTradeNoParams,
  type EduTradeState,
  EduTransactionIdParams,
  eduOrderByIdOperation,
  eduOrderByOutTradeNoOperation,
} from './operations/edu-papay-order-query.ts';
export {
  EduPresignRequest,
  EduPresignResponse,
  eduPresignOperation,
} from './operations/edu-papay-presign.ts';
export {
  DebitNotifyUrl,
  EduDebitRequest,
  eduDebitOperation,
  OUT_TRADE_NO_PATTERN,
  OutTradeNo,
} from './operations/edu-papay-transaction.ts';
export {
  createDebitResultReader,
  DEFAULT_DEBIT_RESULT_EVENT_TYPES,
  type DebitResultEventTypes,
  type DebitResultKind,
  readDebitResult,
} from './operations/edu-papay-transaction-result.ts';
export {
  EduUserNotificationRequest,
  eduSendUserNotificationOperation,
} from './operations/edu-papay-user-notification.ts';
export {
  EduContractResource,
  PASSWORD_EXEMPT_RESOURCE_OWNER_FIELDS,
  PasswordExemptContractResource,
  /** @deprecated first name of PasswordExemptContractResource (it serves every mode, not only QS). */
  PasswordExemptContractResource as QsContractResource,
  type PasswordExemptOwner,
  passwordExemptOwner,
} from './operations/notification-resources.ts';
export {
  PASSWORD_EXEMPT_CONTRACT_STATES,
  /** @deprecated first name of PASSWORD_EXEMPT_CONTRACT_STATES. */
  PASSWORD_EXEMPT_CONTRACT_STATES as QS_CONTRACT_STATES,
  PasswordExemptContract,
  // The query/terminate path is shared by every mode; these first, QS-only names stay until callers move.
  /** @deprecated use PasswordExemptContract. */
  PasswordExemptContract as QsContract,
  PasswordExemptContractParams,
  /** @deprecated use PasswordExemptContractParams. */
  PasswordExemptContractParams as QsContractParams,
  PasswordExemptTerminateInfo,
  /** @deprecated use PasswordExemptTerminateInfo. */
  PasswordExemptTerminateInfo as QsContractTerminateInfo,
  PasswordExemptTerminateRequest,
  /** @deprecated use PasswordExemptTerminateRequest. */
  PasswordExemptTerminateRequest as QsTerminateRequest,
  PasswordExemptTerminateResponse,
  /** @deprecated use PasswordExemptTerminateResponse. */
  PasswordExemptTerminateResponse as QsTerminateResponse,
  passwordExemptQueryOperation,
  /** @deprecated use passwordExemptQueryOperation. */
  passwordExemptQueryOperation as qsQueryByOutContractCodeOperation,
  passwordExemptTerminateOperation,
  /** @deprecated use passwordExemptTerminateOperation. */
  passwordExemptTerminateOperation as qsTerminateOperation,
} from './operations/password-exempt-contract.ts';
export {
  NotifyUrl,
  OUT_CONTRACT_CODE_PATTERN,
  OutContractCode,
  PASSWORD_EXEMPT_MODES,
  type PasswordExemptMode,
  PasswordExemptPresignResponse,
  passwordExemptPresignPath,
  ServiceId,
} from './operations/password-exempt-fields.ts';
export {
  NormalPreEntrustSignRequest,
  NormalPreEntrustSignResponse,
  normalPreEntrustSignOperation,
} from './operations/password-exempt-normal-presign.ts';
export {
  checkServiceProviderOpenidRule,
  ServiceProviderPreEntrustSignRequest,
  ServiceProviderPreEntrustSignResponse,
  serviceProviderPreEntrustSignOperation,
} from './operations/password-exempt-sp-presign.ts';
export {
  checkQsOpenidRule,
  QsPreEntrustSignRequest,
  QsPreEntrustSignResponse,
  qsPreEntrustSignOperation,
} from './operations/qs-pre-entrust-sign.ts';
export {
  type CertificateInfo,
  certificateInfo,
  isMchId,
  isPublicKeyId,
  loadApiV3Key,
  loadPrivateKey,
  loadPublicKey,
  normalizeSerial,
  splitCertificates,
} from './secrets.ts';
export {
  getHeader,
  type HeaderBag,
  type SignedMessageInfo,
  validateSignedMessage,
} from './signed-message.ts';
export { createRsaSigner, type Signer } from './signer.ts';
export { hasFourByteChars } from './utf8.ts';
export { createRsaVerifier, type Verifier } from './verifier.ts';
