import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/**
 * The iframe app. The server serves `dist/` at `/embed-assets/` and finds the entry's JS and CSS
 * in `dist/.vite/manifest.json` (key `src/portal/main.tsx`).
 */
export default defineConfig({
  base: '/embed-assets/',
  plugins: [preact({ prefreshEnabled: false, devToolsEnabled: false })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    sourcemap: false,
    target: 'es2022',
    rollupOptions: { input: 'src/portal/main.tsx' },
  },
});
