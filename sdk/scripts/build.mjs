// `pnpm build`: the SDK as published.
//   dist/index.js        browser entry, ES module (penpal and the few shared constants bundled in)
//   dist/patchbay.iife.js  the same as one script with the global `Patchbay` (/sdk/v1/patchbay.js)
//   dist/node.js, dist/node.cjs  Node entry, ES module and CommonJS; imports only node:crypto
//   dist/types/**/*.d.ts, *.d.cts  declarations for both, free of workspace packages
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
const types = path.join(dist, 'types');

// Browser entry: vite.config.ts (it empties dist/ first).
await build({ configFile: path.join(root, 'vite.config.ts'), root, logLevel: 'warn' });

// Node entry: not minified, so a vendor can read what runs on their server.
await build({
  configFile: false,
  root,
  logLevel: 'warn',
  build: {
    ssr: 'src/node.ts',
    outDir: dist,
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    sourcemap: false,
    copyPublicDir: false,
    rolldownOptions: {
      output: [
        { format: 'es', entryFileNames: 'node.js' },
        { format: 'cjs', entryFileNames: 'node.cjs' },
      ],
    },
  },
});

// Declarations, by the workspace's TypeScript.
const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const emitted = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (emitted.status !== 0) throw new Error('sdk: declaration emit failed');

// Published declarations must resolve without the workspace: relative imports end in .js, and
// what came from @patchbay/shared (zod-inferred types) comes from sharedTypes.
const sharedTypes = path.join(types, 'sharedTypes.d.ts');
const relativeImports = /(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.(ts|js)\2/g;
for (const entry of fs.readdirSync(types, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = path.join(entry.parentPath, entry.name);
  let shared = path.relative(path.dirname(file), sharedTypes).replace(/\.d\.ts$/, '.js');
  if (!shared.startsWith('.')) shared = `./${shared}`;
  const text = fs
    .readFileSync(file, 'utf8')
    .replace(/(from\s+|import\()(['"])@patchbay\/shared(?:\/protocol)?\2/g, `$1'${shared}'`)
    .replace(relativeImports, '$1$2$3.js$2');
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '');
  const bare = [...code.matchAll(/(?:from\s+|import\()(['"])([^'".][^'"]*)\1/g)].map((m) => m[2]).filter((s) => !s.startsWith('node:'));
  if (bare.length)
    throw new Error(`sdk: ${path.relative(root, file)} imports ${bare.join(', ')}; published types may import only node: modules`);
  fs.writeFileSync(file, text);
}

// The Node entry's `require` condition gets CommonJS declarations: .d.cts copies of node.d.ts
// and of what it imports, importing each other as .cjs.
const pending = [path.join(types, 'node.d.ts')];
for (const seen = new Set(); pending.length > 0; ) {
  const file = /** @type {string} */ (pending.pop());
  if (seen.has(file)) continue;
  seen.add(file);
  const text = fs.readFileSync(file, 'utf8');
  for (const m of text.matchAll(relativeImports)) pending.push(path.resolve(path.dirname(file), `${m[3]}.d.ts`));
  fs.writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), text.replace(relativeImports, '$1$2$3.cjs$2'));
}
const sizes = ['index.js', 'patchbay.iife.js', 'node.js', 'node.cjs'].map(
  (name) => `${name} ${(gzipSync(fs.readFileSync(path.join(dist, name)), { level: 9 }).length / 1024).toFixed(2)} KB`,
);
console.log(`sdk: built dist/ and dist/types/ (gzip -9: ${sizes.join(', ')})`);
