import type { Contract } from '@qianyue/api';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ReturnHint, SignOutcome } from '../services/contract-view.ts';
import { type ApiError, toApiError } from '../services/errors.ts';
import { createAbortable } from '../services/poll.ts';
import type { ContractSigning } from '../services/signing.ts';

export type SignCheckState =
  | { phase: 'checking'; attempt: number }
  | { phase: 'done'; outcome: SignOutcome; contract?: Contract; timedOut: boolean }
  | { phase: 'error'; error: ApiError };

/** Runs services/signing.ts `check` for the result page as React state, with progress; `refresh` asks again. */
export function useSignCheck(
  signing: ContractSigning,
  contractId: string,
  hint: ReturnHint,
): { state: SignCheckState; refresh: () => void } {
  const [state, setState] = useState<SignCheckState>({ phase: 'checking', attempt: 0 });
  const current = useRef<{ abort: () => void } | undefined>(undefined);

  const run = useCallback(
    (h: ReturnHint) => {
      current.current?.abort();
      const ctl = createAbortable();
      current.current = ctl;
      setState({ phase: 'checking', attempt: 0 });
      signing
        .check({
          contractId,
          hint: h,
          signal: ctl.signal,
          onProgress: (p) => {
            if (!ctl.signal.aborted) setState({ phase: 'checking', attempt: p.attempt });
          },
        })
        .then(
          (r) => {
            if (ctl.signal.aborted || r.status === 'aborted') return;
            setState({
              phase: 'done',
              outcome: r.outcome,
              ...(r.contract ? { contract: r.contract } : {}),
              timedOut: r.status === 'timeout',
            });
          },
          (err: unknown) => {
            if (!ctl.signal.aborted) setState({ phase: 'error', error: toApiError(err) });
          },
        );
    },
    [signing, contractId],
  );

  useEffect(() => {
    if (contractId) run(hint);
    return () => current.current?.abort();
  }, [run, hint, contractId]);

  // A user-asked refresh believes a definite answer at once (the hint was for the moment of return).
  const refresh = useCallback(() => run('unknown'), [run]);
  return { state, refresh };
}
