// Bundles the server (and the workspace's `shared` sources) into dist/cli.js; npm dependencies stay external.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// `packages: 'external'` would leave the workspace's TypeScript sources to Node, which cannot load them.
const sharedEntry = fileURLToPath(new URL('../../shared/src/index.ts', import.meta.url));
const sdkNodeEntry = fileURLToPath(new URL('../../sdk/src/node.ts', import.meta.url));

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
        b.onResolve({ filter: /^@patchbay\/shared$/ }, () => ({ path: sharedEntry }));
        b.onResolve({ filter: /^@patchbay\/sdk\/node$/ }, () => ({ path: sdkNodeEntry }));
      },
    },
  ],
  banner: { js: "import { createRequire as __pbRequire } from 'node:module'; const require = __pbRequire(import.meta.url);" },
  logLevel: 'warning',
});
console.log('server: built dist/cli.js');
