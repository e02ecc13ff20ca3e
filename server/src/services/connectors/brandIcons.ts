/**
 * Brand marks of built-in catalogue connectors, from the `simple-icons` package (CC0 data; the
 * marks stay their owners' trademarks). Only the server reads the package, and only the matching
 * icon's path data travels to the iframe with its connector (`brandIcon`), so the iframe's bundle
 * holds no icon set. The package is loaded on first use, not at start.
 */
import { createRequire } from 'node:module';

/** A brand mark: SVG path data in a 24×24 view box and the brand colour (hex, no `#`). */
export interface BrandIcon {
  readonly path: string;
  readonly hex: string;
}

const loadCjs = createRequire(import.meta.url);
let bySlug: Map<string, BrandIcon> | undefined;

function icons(): Map<string, BrandIcon> {
  if (!bySlug) {
    const all = loadCjs('simple-icons') as Record<string, { slug: string; path: string; hex: string }>;
    bySlug = new Map(Object.values(all).map((i) => [i.slug, { path: i.path, hex: i.hex.toUpperCase() }]));
  }
  return bySlug;
}

/** The brand mark of catalogue entry `catalogKey` (grant's provider key, matched to a Simple Icons slug), or null. */
export function brandIconFor(catalogKey: string | null): BrandIcon | null {
  if (!catalogKey) return null;
  const slug = catalogKey.toLowerCase().replace(/[^a-z0-9]/g, '');
  return icons().get(slug) ?? null;
}
