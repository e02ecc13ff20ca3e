import { defineConfig } from 'vite';

// `pnpm build`: the browser entry as an ES module for bundlers (`dist/index.js`) and as one
// self-contained script for a plain <script> tag (`dist/patchbay.iife.js`, global `Patchbay`),
// served by Patchbay at `/sdk/v1/patchbay.js`. penpal is bundled into both.
export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    // Vite leaves whitespace in ES library output; the package's ESM file is minified as well.
    rolldownOptions: { output: { minify: true } },
    lib: {
      entry: 'src/index.ts',
      name: 'Patchbay',
      formats: ['es', 'iife'],
      fileName: (format) => (format === 'es' ? 'index.js' : 'patchbay.iife.js'),
    },
  },
});
