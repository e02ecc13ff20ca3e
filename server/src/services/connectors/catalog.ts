import { createRequire } from 'node:module';
import { z } from 'zod';

/** One provider of grant's bundled list, as the catalogue offers it. */
export interface CatalogEntry {
  readonly key: string;
  readonly name: string;
  readonly authType: 'oauth1' | 'oauth2';
  readonly authorizeUrl: string;
  /** OAuth2 token URL / OAuth1 access-token URL. */
  readonly accessUrl: string;
  /** OAuth1 request-token URL. */
  readonly requestUrl: string | null;
  readonly scopeDelimiter: string;
  /** The URLs contain `[subdomain]`: the admin must give the real URLs. */
  readonly needsSubdomain: boolean;
}

/** grant's `config/oauth.json`, parsed strictly: a third-party file is a trust boundary too. */
const providerSchema = z.object({
  authorize_url: z.string(),
  access_url: z.string(),
  request_url: z.string().optional(),
  oauth: z.union([z.literal(1), z.literal(2)]),
  scope_delimiter: z.string().optional(),
});

/** Names whose capitalisation a key cannot tell. */
const DISPLAY_NAMES: Record<string, string> = {
  github: 'GitHub',
  gitlab: 'GitLab',
  hubspot: 'HubSpot',
  linkedin: 'LinkedIn',
  paypal: 'PayPal',
  youtube: 'YouTube',
  wordpress: 'WordPress',
  bitbucket: 'Bitbucket',
  digitalocean: 'DigitalOcean',
  docusign: 'DocuSign',
  dropbox: 'Dropbox',
  quickbooks: 'QuickBooks',
  salesforce: 'Salesforce',
  soundcloud: 'SoundCloud',
  stackexchange: 'Stack Exchange',
  surveymonkey: 'SurveyMonkey',
  twitter: 'Twitter',
  twitter2: 'Twitter (OAuth 2)',
};

function displayName(key: string): string {
  return DISPLAY_NAMES[key] ?? key.replace(/(^|[_-])([a-z0-9])/g, (_m, sep: string, c: string) => (sep ? ' ' : '') + c.toUpperCase());
}

function load(): readonly CatalogEntry[] {
  const require = createRequire(import.meta.url);
  const raw = z.record(z.string(), z.unknown()).parse(require('grant/config/oauth.json'));
  const entries: CatalogEntry[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const parsed = providerSchema.safeParse(value);
    if (!parsed.success || !/^[a-z0-9_-]{1,64}$/.test(key)) continue;
    const p = parsed.data;
    const urls = [p.authorize_url, p.access_url, p.request_url ?? ''];
    entries.push({
      key,
      name: displayName(key),
      authType: p.oauth === 1 ? 'oauth1' : 'oauth2',
      authorizeUrl: p.authorize_url,
      accessUrl: p.access_url,
      requestUrl: p.request_url ?? null,
      // grant joins scopes with "," unless the provider says otherwise.
      scopeDelimiter: p.scope_delimiter ?? ',',
      needsSubdomain: urls.some((u) => u.includes('[subdomain]')),
    });
  }
  return entries.sort((a, b) => (a.key < b.key ? -1 : 1));
}

let cache: readonly CatalogEntry[] | undefined;

/** Every catalogue entry, sorted by key (loaded once). */
export function catalogEntries(): readonly CatalogEntry[] {
  cache ??= load();
  return cache;
}

/** One catalogue entry by key. */
export function findCatalogEntry(key: string): CatalogEntry | undefined {
  return catalogEntries().find((e) => e.key === key);
}

/**
 * Searches the catalogue: `q` matches key or name (case-insensitive substring); keyset
 * pagination by key (`after` is the last key of the previous page).
 */
export function searchCatalog(opts: { q?: string | undefined; after?: string | undefined; limit: number }): {
  items: CatalogEntry[];
  nextCursor: string | null;
} {
  const q = opts.q?.trim().toLowerCase() ?? '';
  const after = opts.after;
  const matching = catalogEntries().filter(
    (e) => (q === '' || e.key.includes(q) || e.name.toLowerCase().includes(q)) && (after === undefined || e.key > after),
  );
  const items = matching.slice(0, opts.limit);
  const last = items.at(-1);
  return { items, nextCursor: matching.length > opts.limit && last ? last.key : null };
}
