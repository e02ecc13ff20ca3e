/**
 * Budget of the admin console (issue 11), beside the embed's: gzip size of what `/admin` loads for
 * its first view (the shell plus the entry's JS, CSS and static imports, as served). The flow
 * editor's schema check is a lazily loaded chunk and not part of it.
 */
import path from 'node:path';
import { CONSOLE_ENTRY } from '../../src/routes/adminPages.ts';
import { firstViewAssets, readViteManifest } from '../../src/routes/embedPages.ts';
import { type BudgetCheck, firstViewSize, row } from './embedBudgets.ts';

const CONSOLE_FIRST_VIEW_BUDGET = 60 * 1024;

/** gzip size of the console's first view, as served. */
export const consoleFirstView: BudgetCheck = {
  name: 'console-first-view',
  description: `gzip -9 of /admin plus what its first view loads (entry ${CONSOLE_ENTRY} of embed-ui/dist-admin, its CSS and static imports)`,
  async run({ root, patchbay }) {
    const manifest = readViteManifest(path.join(root, 'embed-ui', 'dist-admin'));
    if (!manifest?.[CONSOLE_ENTRY]) {
      throw new Error(`embed-ui/dist-admin/.vite/manifest.json is missing or has no ${CONSOLE_ENTRY}: run \`pnpm build\` first`);
    }
    const first = await firstViewSize(`${patchbay.url}/admin`, `${patchbay.url}/admin-assets`, firstViewAssets(manifest, CONSOLE_ENTRY));
    return [row('admin console first view (gzip)', first.total, 'B', CONSOLE_FIRST_VIEW_BUDGET, first.detail)];
  },
};
