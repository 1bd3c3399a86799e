import type {
  Contract,
  ContractChargesReply,
  ContractsReply,
  LoginBody,
  LoginReply,
  PlansReply,
  PresignBody,
  PresignReply,
  RouteName,
  Routes,
} from '@qianyue/api';
import { isSessionError } from './errors.ts';
import type { HttpClient, HttpRequest } from './http.ts';
import type { Session } from './session.ts';

type ClientRoute = Extract<
  RouteName,
  'login' | 'plans' | 'presign' | 'listContracts' | 'getContract' | 'terminateContract' | 'contractCharges'
>;

/**
 * The BFF routes this client calls. Written out (a runtime import of @qianyue/api would pull TypeBox into
 * the bundle) and checked against the contract's types: a changed URL or method fails typecheck.
 */
export const ROUTES = {
  login: { method: 'POST', url: '/v1/auth/login' },
  plans: { method: 'GET', url: '/v1/plans' },
  presign: { method: 'POST', url: '/v1/contracts/presign' },
  listContracts: { method: 'GET', url: '/v1/contracts' },
  getContract: { method: 'GET', url: '/v1/contracts/:contractId' },
  terminateContract: { method: 'POST', url: '/v1/contracts/:contractId/terminate' },
  contractCharges: { method: 'GET', url: '/v1/contracts/:contractId/charges' },
} as const satisfies { [K in ClientRoute]: { method: Routes[K]['method']; url: Routes[K]['url'] } };

export function fillPath(url: string, params: Record<string, string>): string {
  return url.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new TypeError(`missing path parameter ${name}`);
    return encodeURIComponent(v);
  });
}

export interface BffClient {
  login(code: string): Promise<LoginReply>;
  plans(): Promise<PlansReply>;
  presign(planKey: string): Promise<PresignReply>;
  contracts(): Promise<ContractsReply>;
  contract(contractId: string, o?: { reconcile?: boolean }): Promise<Contract>;
  terminate(contractId: string): Promise<Contract>;
  /** A billed contract's next debit and history. */
  charges(contractId: string): Promise<ContractChargesReply>;
}

export function createBffClient(o: { http: HttpClient; session: () => Session }): BffClient {
  const { http } = o;

  /** Sends with the session token; on 401 SESSION_EXPIRED/UNAUTHENTICATED logs in again silently, once. */
  async function authed<T>(req: Omit<HttpRequest, 'token'>): Promise<T> {
    const session = o.session();
    const token = await session.token();
    try {
      return await http.send<T>({ ...req, token });
    } catch (err) {
      if (!isSessionError(err)) throw err;
      session.invalidate(token);
      const fresh = await session.token();
      return http.send<T>({ ...req, token: fresh });
    }
  }

  return {
    login: (code) =>
      http.send<LoginReply>({
        method: ROUTES.login.method,
        path: ROUTES.login.url,
        body: { code } satisfies LoginBody,
      }),
    plans: () => authed<PlansReply>({ method: ROUTES.plans.method, path: ROUTES.plans.url }),
    presign: (planKey) =>
      authed<PresignReply>({
        method: ROUTES.presign.method,
        path: ROUTES.presign.url,
        body: { planKey } satisfies PresignBody,
      }),
    contracts: () =>
      authed<ContractsReply>({ method: ROUTES.listContracts.method, path: ROUTES.listContracts.url }),
    contract: (contractId, q = {}) =>
      authed<Contract>({
        method: ROUTES.getContract.method,
        path: fillPath(ROUTES.getContract.url, { contractId }),
        ...(q.reconcile ? { query: { reconcile: true } } : {}),
      }),
    terminate: (contractId) =>
      authed<Contract>({
        method: ROUTES.terminateContract.method,
        path: fillPath(ROUTES.terminateContract.url, { contractId }),
      }),
    charges: (contractId) =>
      authed<ContractChargesReply>({
        method: ROUTES.contractCharges.method,
        path: fillPath(ROUTES.contractCharges.url, { contractId }),
      }),
  };
}
