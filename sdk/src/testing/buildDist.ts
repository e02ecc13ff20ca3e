/**
 * Vitest global setup: builds dist/ once, as `pnpm build` does, so the suites that test the
 * package as built (published.test.ts, callbacks.interop.test.ts) see the current sources.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** The package directory. */
export const sdkRoot = path.resolve(import.meta.dirname, '../..');
/** Where the build writes. */
export const distDir = path.join(sdkRoot, 'dist');

export default function buildDist(): void {
  const built = spawnSync(process.execPath, [path.join(sdkRoot, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`sdk build failed:\n${built.stdout}\n${built.stderr}`);
}
