import net from 'node:net';
import { invalidFields } from '../../errors.ts';

/** What the URL policy depends on (from the configuration). */
export interface UrlPolicyOptions {
  /** `PATCHBAY_ALLOW_INSECURE_LOOPBACK`: loopback hosts may be used (and over plain HTTP). */
  readonly allowInsecureLoopback: boolean;
}

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Addresses no outbound call may reach: private, link-local (cloud metadata), CGNAT, multicast, reserved. */
const INTERNAL = new net.BlockList();
for (const [net4, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  INTERNAL.addSubnet(net4, bits, 'ipv4');
}
for (const [net6, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  INTERNAL.addSubnet(net6, bits, 'ipv6');
}

function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function ipType(address: string): 'ipv4' | 'ipv6' | null {
  const v = net.isIP(address);
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : null;
}

/** Whether a host (name or IP literal, IPv6 with or without brackets) is a loopback host. */
export function isLoopbackHost(hostname: string): boolean {
  const host = bareHost(hostname.toLowerCase()).replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const type = ipType(host);
  return type !== null && LOOPBACK.check(host, type);
}

/**
 * Whether an IP address is internal (private, loopback, link-local, CGNAT, multicast, reserved;
 * IPv4-mapped IPv6 included). The proxy checks resolved addresses with it at request time.
 */
export function isInternalAddress(address: string): boolean {
  const host = bareHost(address.toLowerCase());
  const type = ipType(host);
  return type !== null && INTERNAL.check(host, type);
}

/**
 * Checks one URL an admin configures (connector base/OAuth/icon URLs, callback URLs) and answers
 * what is wrong with it, or null. Only `https:`; plain `http:` and loopback hosts only when
 * insecure loopback is allowed; never credentials in the URL; never an internal IP literal.
 * Host names are not resolved here: whoever calls the URL checks the resolved address.
 */
export function urlProblem(value: string, opts: UrlPolicyOptions): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username !== '' || url.password !== '') return 'must not contain credentials (user:pass@)';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https:// URL';
  const loopback = isLoopbackHost(url.hostname);
  if (loopback) {
    return opts.allowInsecureLoopback ? null : 'must not point at a loopback host (PATCHBAY_ALLOW_INSECURE_LOOPBACK is off)';
  }
  if (url.protocol !== 'https:') {
    return opts.allowInsecureLoopback ? 'must be an https:// URL (plain http:// only for loopback hosts)' : 'must be an https:// URL';
  }
  if (isInternalAddress(url.hostname)) return 'must not point at a private, link-local or reserved address';
  return null;
}

/** A URL to check, with the request field it came from (e.g. `body.oauth2.tokenUrl`). */
export interface UrlField {
  readonly path: string;
  readonly value: string | null | undefined;
}

/** Checks several URLs; throws `400 validation_failed` naming every offending field. */
export function assertUrlsAllowed(fields: readonly UrlField[], opts: UrlPolicyOptions): void {
  const issues = fields.flatMap((f) => {
    if (f.value === null || f.value === undefined) return [];
    const problem = urlProblem(f.value, opts);
    return problem === null ? [] : [{ path: f.path, message: problem }];
  });
  if (issues.length > 0) throw invalidFields(issues);
}
