import { useEffect, useState } from 'preact/hooks';

/**
 * A module loaded on first use, as its own chunk (kept out of the iframe's first view, whose size
 * has a budget): `const useRuns = lazy(() => import('./views/RunHistory.tsx'))`, then
 * `useRuns(open)` in a component answers the module once it is in (undefined until then).
 */
export function lazy<T>(load: () => Promise<T>): (wanted?: boolean) => T | undefined {
  let loaded: T | undefined;
  let pending: Promise<T> | undefined;
  return function useModule(wanted = true) {
    const [, rerender] = useState(0);
    useEffect(() => {
      if (!wanted || loaded) return;
      let live = true;
      pending ??= load().then((m) => {
        loaded = m;
        return m;
      });
      pending.then(
        () => live && rerender((n) => n + 1),
        () => {
          pending = undefined;
        },
      );
      return () => {
        live = false;
      };
    }, [wanted]);
    return loaded;
  };
}
