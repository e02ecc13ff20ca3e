// Bundles the server (and the workspace's `shared` sources) into dist/cli.js; npm dependencies stay external.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  packages: 'external',
  plugins: [
    {
      name: 'bundle-workspace',
      setup(b) {
        b.onResolve({ filter: /^@patchbay\// }, () => ({ external: false }));
      },
    },
  ],
  banner: { js: "import { createRequire as __pbRequire } from 'node:module'; const require = __pbRequire(import.meta.url);" },
  logLevel: 'warning',
});
console.log('server: built dist/cli.js');
