import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorAlert, Skeleton } from './Feedback.tsx';

/**
 * A page whose code is loaded on first use (its own chunk, outside the console's first view):
 * placeholders while it loads, the error with Retry if the chunk cannot be fetched.
 */
export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: Promise<ComponentType<P>> | undefined;
  return function LazyPage(props: P) {
    const [Page, setPage] = useState<{ C: ComponentType<P> }>();
    const [error, setError] = useState<unknown>();
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      let live = true;
      loaded ??= load();
      loaded.then(
        (C) => live && setPage({ C }),
        (e) => {
          loaded = undefined;
          if (live) setError(e);
        },
      );
      return () => {
        live = false;
      };
    }, [attempt]);
    if (Page) return <Page.C {...props} />;
    if (error)
      return (
        <ErrorAlert
          error={error}
          onRetry={() => {
            setError(undefined);
            setAttempt((n) => n + 1);
          }}
        />
      );
    return <Skeleton rows={4} />;
  };
}
