import { useCallback, useEffect, useRef, useState, type DependencyList } from "react";
import { ApiError } from "./api/client";

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
  setData: (data: T) => void;
}

/** Runs `load` when `deps` change (and on `reload`); a stale answer never overwrites a newer one. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const ticket = ++latest.current;
    setLoading(true);
    load().then(
      (value) => {
        if (ticket !== latest.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (ticket !== latest.current) return;
        setError(failure instanceof ApiError ? failure : new ApiError(0, "client", String(failure)));
        setLoading(false);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round]);
  const reload = useCallback(() => setRound((value) => value + 1), []);
  return { data, error, loading, reload, setData };
}

/** Calls `tick` every `ms` while `active`. */
export function useInterval(tick: () => void, ms: number, active: boolean): void {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => saved.current(), ms);
    return () => window.clearInterval(timer);
  }, [ms, active]);
}

export interface Submission {
  busy: boolean;
  error: ApiError | undefined;
  done: string | undefined;
  run: (action: () => Promise<string | undefined>) => Promise<boolean>;
  clear: () => void;
}

/** One form's sending state: busy while the call runs, then its error or its success message. */
export function useSubmit(): Submission {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [done, setDone] = useState<string>();
  const run = useCallback(async (action: () => Promise<string | undefined>) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await action());
      return true;
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, "client", String(failure)));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => {
    setError(undefined);
    setDone(undefined);
  }, []);
  return { busy, error, done, run, clear };
}

export interface PageOf<T> {
  items: T[];
  next?: string | null;
}

export interface Paged<T> {
  items: T[];
  /** True once the first page for the current `deps` arrived. */
  loaded: boolean;
  loading: boolean;
  error: ApiError | undefined;
  hasMore: boolean;
  busy: boolean;
  more: () => void;
  reload: () => void;
}

/**
 * A list read page by page (the API's `next` token): the first page whenever `deps` change,
 * further pages appended by `more`. An answer for older `deps` never lands in the newer list.
 */
export function usePaged<T>(load: (next?: string) => Promise<PageOf<T>>, deps: DependencyList): Paged<T> {
  const first = useLoad(() => load(), deps);
  const [extra, setExtra] = useState<{ base: PageOf<T>; items: T[]; next: string | null }>();
  const submission = useSubmit();
  const base = first.data;
  const tail = extra && extra.base === base ? extra : undefined;
  const next = tail ? tail.next : (base?.next ?? null);
  const more = () => {
    if (!next || !base) return;
    void submission.run(async () => {
      const page = await load(next);
      setExtra((old) => {
        const kept = old && old.base === base ? old.items : [];
        return { base, items: [...kept, ...page.items], next: page.next ?? null };
      });
      return undefined;
    });
  };
  return {
    items: [...(base?.items ?? []), ...(tail?.items ?? [])],
    loaded: base !== undefined && !first.loading,
    loading: first.loading,
    error: first.error ?? submission.error,
    hasMore: Boolean(next),
    busy: submission.busy,
    more,
    reload: first.reload,
  };
}
