import type * as Shared from '@patchbay/shared';
import { describe, expectTypeOf, it } from 'vitest';
import type * as Published from './sharedTypes.ts';

// Checked by `tsc` (pnpm typecheck); at run time these are no-ops.
describe('the published copies of shared types', () => {
  it('equal the types inferred from the schemas', () => {
    expectTypeOf<Published.PortalEvent>().toEqualTypeOf<Shared.PortalEvent>();
    expectTypeOf<Published.PortalEventType>().toEqualTypeOf<Shared.PortalEventType>();
  });
});
