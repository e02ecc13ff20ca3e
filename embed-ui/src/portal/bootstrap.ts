import type { PortalUrlOptions } from '@patchbay/shared';
import { isLanguage, isThemeMode, prefixedIdPattern } from '@patchbay/shared/protocol';

const CONFIG_PATH = /^\/embed\/([A-Za-z0-9_-]{1,64})\/?$/;
const FLOW_ID = prefixedIdPattern('flow');

/** The configuration id from `/embed/{configId}`, or undefined. */
export function configIdFromPath(pathname: string): string | undefined {
  return CONFIG_PATH.exec(pathname)?.[1];
}

/** The non-secret options of the iframe URL (`lang`, `theme`, `flowId`); anything invalid is ignored. */
export function urlOptions(search: string): PortalUrlOptions {
  const q = new URLSearchParams(search);
  const out: PortalUrlOptions = {};
  const lang = q.get('lang');
  if (isLanguage(lang)) out.lang = lang;
  const theme = q.get('theme');
  if (isThemeMode(theme)) out.theme = theme;
  const flowId = q.get('flowId');
  if (flowId && FLOW_ID.test(flowId)) out.flowId = flowId;
  return out;
}
