/**
 * `@patchbay/shared/protocol`: the zod-free part of the contract, for the browser bundles (the
 * iframe app and the SDK) that must not carry zod. Plain `as const` lists, constants and small
 * guards; the zod schemas of `@patchbay/shared` are built on the same values, so each list has one
 * source. Types of API answers come from the schemas with `import type` (erased from bundles).
 */
export * from './branding.ts';
export * from './connect.ts';
export * from './embedToken.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './ids.ts';
export * from './origins.ts';
export * from './portal.ts';
