import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/**
 * The admin console, a second build beside the iframe's (`vite.config.ts`), so the iframe's bundle
 * stays exactly what it was. The server serves `dist-admin/` at `/admin-assets/` and finds the
 * entry's JS and CSS in `dist-admin/.vite/manifest.json` (key `src/admin/main.tsx`).
 */
export default defineConfig({
  base: '/admin-assets/',
  plugins: [preact({ prefreshEnabled: false, devToolsEnabled: false })],
  build: {
    outDir: 'dist-admin',
    emptyOutDir: true,
    manifest: true,
    sourcemap: false,
    target: 'es2022',
    rollupOptions: { input: 'src/admin/main.tsx' },
  },
});
