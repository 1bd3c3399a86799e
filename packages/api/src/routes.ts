import { Type } from '@sinclair/typebox';
import { LoginBody, LoginReply } from './auth.ts';
import { ContractChargesReply } from './charges.ts';
import {
  Contract,
  ContractParams,
  ContractQuery,
  ContractsReply,
  PlansReply,
  PresignBody,
  PresignReply,
} from './contracts.ts';
import { ErrorBody } from './errors.ts';

/**
 * One const per endpoint. URLs live here only; the BFF registers them and the mini-program's
 * typed client is checked against `RouteUrl`. `auth` says whether a session token is required.
 */
export const routes = {
  login: { method: 'POST', url: '/v1/auth/login', auth: false, body: LoginBody, reply: LoginReply },
  /** Revokes the caller's session; 204 with no body. */
  logout: { method: 'POST', url: '/v1/auth/logout', auth: true },
  plans: { method: 'GET', url: '/v1/plans', auth: true, reply: PlansReply },
  presign: {
    method: 'POST',
    url: '/v1/contracts/presign',
    auth: true,
    body: PresignBody,
    reply: PresignReply,
  },
  listContracts: { method: 'GET', url: '/v1/contracts', auth: true, reply: ContractsReply },
  getContract: {
    method: 'GET',
    url: '/v1/contracts/:contractId',
    auth: true,
    params: ContractParams,
    querystring: ContractQuery,
    reply: Contract,
  },
  contractCharges: {
    method: 'GET',
    url: '/v1/contracts/:contractId/charges',
    auth: true,
    params: ContractParams,
    reply: ContractChargesReply,
  },
  terminateContract: {
    method: 'POST',
    url: '/v1/contracts/:contractId/terminate',
    auth: true,
    params: ContractParams,
    reply: Contract,
  },
  /** WeChat Pay → BFF. Raw body, verified; 204 on success, {code:'FAIL'} otherwise. */
  notifyEduPapay: { method: 'POST', url: '/v1/notify/edu-papay', auth: false },
  notifyPasswordExempt: { method: 'POST', url: '/v1/notify/password-exempt', auth: false },
  health: { method: 'GET', url: '/healthz', auth: false },
  ready: { method: 'GET', url: '/readyz', auth: false },
} as const;

export type Routes = typeof routes;
export type RouteName = keyof Routes;
export type RouteUrl = Routes[RouteName]['url'];

/** The error variant every reply schema has. */
export const errorReplies = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

export const HealthReply = Type.Object({ status: Type.Literal('ok') });

/** `/readyz`: 200 when the database answers and the WeChat Pay keys are loaded; otherwise an ErrorBody (503). */
export const ReadyReply = Type.Object({
  status: Type.Literal('ok'),
  checks: Type.Object({ database: Type.Literal('ok'), keys: Type.Literal('ok') }),
});
