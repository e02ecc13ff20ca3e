import type * as Shared from '@patchbay/shared';
import { describe, expectTypeOf, it } from 'vitest';
import type * as Sdk from './index.ts';
import type * as Published from './sharedTypes.ts';

// Checked by `tsc` (pnpm typecheck); at run time these are no-ops.
describe('the published copies of shared declarations', () => {
  it('equal the types inferred from the schemas', () => {
    expectTypeOf<Published.PortalEvent>().toEqualTypeOf<Shared.PortalEvent>();
    expectTypeOf<Published.PortalEventType>().toEqualTypeOf<Shared.PortalEventType>();
  });

  it('equal what the SDK exports from the protocol', () => {
    expectTypeOf<Published.Language>().toEqualTypeOf<Sdk.PortalLanguage>();
    expectTypeOf<Published.ThemeMode>().toEqualTypeOf<Sdk.PortalThemeMode>();
    expectTypeOf<typeof Published.PORTAL_CHANNEL>().toEqualTypeOf<typeof Sdk.PORTAL_CHANNEL>();
    expectTypeOf<(typeof Published.PORTAL_EVENT_TYPES)[number]>().toEqualTypeOf<(typeof Sdk.PORTAL_EVENT_TYPES)[number]>();
    expectTypeOf<(typeof Published.PORTAL_EVENT_TYPES)[number]>().toEqualTypeOf<Shared.PortalEventType>();
  });
});
