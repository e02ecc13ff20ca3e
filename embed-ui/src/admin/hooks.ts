import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** One load: its data, its error, whether it runs, and how to run it again. */
export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): Promise<void>;
  setData(data: T): void;
}

/** Runs `load` now and whenever `deps` change; an answer that arrives after a newer load started is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await load();
      if (mine !== generation.current) return;
      setData(value);
      setError(undefined);
    } catch (e) {
      if (mine === generation.current) setError(e);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, deps);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload, setData };
}

/** A list paged by cursor on the server. */
export interface PagedList<T> {
  items: T[] | undefined;
  error: unknown;
  loading: boolean;
  nextCursor: string | null;
  loadMore(): Promise<void>;
  reload(): Promise<void>;
  /** Puts a changed item in place of the one with the same key. */
  replace(item: T): void;
  /** Drops an item. */
  remove(key: string): void;
}

/**
 * The first page of a list (again whenever `deps` change, e.g. the filters), then further pages on
 * `loadMore()` by the server's `nextCursor`, appended.
 */
export function usePagedList<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  keyOf: (item: T) => string,
  deps: readonly unknown[],
): PagedList<T> {
  const [items, setItems] = useState<T[]>();
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const page = await fetchPage(undefined);
      if (mine !== generation.current) return;
      setItems(page.items);
      setNextCursor(page.nextCursor);
      setError(undefined);
    } catch (e) {
      if (mine === generation.current) setError(e);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, deps);
  useEffect(() => {
    void reload();
  }, [reload]);
  const loadMore = async () => {
    if (!nextCursor) return;
    const mine = generation.current;
    setLoading(true);
    try {
      const page = await fetchPage(nextCursor);
      if (mine !== generation.current) return;
      setItems((old) => [...(old ?? []), ...page.items]);
      setNextCursor(page.nextCursor);
      setError(undefined);
    } catch (e) {
      setError(e);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  };
  return {
    items,
    error,
    loading,
    nextCursor,
    loadMore,
    reload,
    replace: (item) => setItems((old) => old?.map((x) => (keyOf(x) === keyOf(item) ? item : x))),
    remove: (key) => setItems((old) => old?.filter((x) => keyOf(x) !== key)),
  };
}

/** Every item of a cursor-paged list, page after page (for the small lists the console looks names up in). */
export async function allPages<T>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>) {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await fetchPage(cursor);
    out.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return out;
}

/** An action in progress and its last error; `run` clears the error, sets `busy`, and answers whether it succeeded. */
export function useAction(): { busy: boolean; error: unknown; run(fn: () => Promise<void>): Promise<boolean>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return {
    busy,
    error,
    clear: () => setError(undefined),
    async run(fn) {
      setBusy(true);
      setError(undefined);
      try {
        await fn();
        return true;
      } catch (e) {
        setError(e);
        return false;
      } finally {
        setBusy(false);
      }
    },
  };
}
