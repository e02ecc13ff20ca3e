import type { RequestSpec } from './measure.ts';

/** What the load generator asks the server process. */
export type ToServer = { readonly type: 'prepare'; readonly name: string } | { readonly type: 'stop' };

/** What the server process answers. */
export type FromServer =
  | { readonly type: 'ready' }
  | { readonly type: 'prepared'; readonly name: string; readonly request: RequestSpec }
  | { readonly type: 'failed'; readonly name: string; readonly error: string }
  | { readonly type: 'stopped' };
