import { describe, expect, it, vi } from 'vitest';

// Any module that reached zod while the entry loads would fail the import below.
vi.mock('zod', () => {
  throw new Error('zod was imported');
});

describe('@patchbay/shared/protocol', () => {
  it('loads without zod (what keeps zod out of the iframe and SDK bundles)', async () => {
    const protocol = await import('./index.ts');
    expect(protocol.PORTAL_CHANNEL).toBe('patchbay.portal.v1');
  });

  it('would notice zod: the full entry, which carries the schemas, fails to load here', async () => {
    await expect(import('../index.ts')).rejects.toThrow();
  });
});
