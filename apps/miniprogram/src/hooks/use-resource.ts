import { useCallback, useEffect, useRef, useState } from 'react';
import { type ApiError, toApiError } from '../services/errors.ts';

export type Resource<T> =
  | { status: 'loading'; data?: T }
  | { status: 'ok'; data: T }
  | { status: 'error'; error: ApiError; data?: T };

/** Loads on mount; `reload` runs it again (a stale answer never overwrites a newer one). */
export function useResource<T>(load: () => Promise<T>): {
  state: Resource<T>;
  reload: () => void;
  setData: (update: (prev: T) => T) => void;
} {
  const [state, setState] = useState<Resource<T>>({ status: 'loading' });
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => {
    seq.current += 1;
    const mine = seq.current;
    setState((prev) => ({ status: 'loading', ...(prev.data !== undefined ? { data: prev.data } : {}) }));
    loadRef.current().then(
      (data) => {
        if (mine === seq.current) setState({ status: 'ok', data });
      },
      (err: unknown) => {
        if (mine === seq.current) setState({ status: 'error', error: toApiError(err) });
      },
    );
  }, []);

  useEffect(() => {
    reload();
    return () => {
      seq.current += 1;
    };
  }, [reload]);

  const setData = useCallback((update: (prev: T) => T) => {
    setState((prev) => (prev.data !== undefined ? { ...prev, data: update(prev.data) } : prev));
  }, []);

  return { state, reload, setData };
}
