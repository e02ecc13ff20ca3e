import type { ApiError } from './api.ts';

/** The two fallback texts every dictionary (iframe and console) has. */
export type ErrorFallbacks = (key: 'errorNetwork' | 'errorGeneric') => string;

/** The readable message of an error: the server's text, or a translated fallback for network trouble and odd answers. */
export function errorTextFor(t: ErrorFallbacks, error: unknown): string {
  const e = error as Partial<ApiError> | undefined;
  if (e?.code === 'network_error') return t('errorNetwork');
  return typeof e?.message === 'string' && e.message && e.code !== 'bad_response' && e.code !== undefined ? e.message : t('errorGeneric');
}

/** {@link errorTextFor} bound to a translate function. */
export function useErrorTextFor(t: ErrorFallbacks): (error: unknown) => string {
  return (error) => errorTextFor(t, error);
}
