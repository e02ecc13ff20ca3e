/**
 * The package as a vendor gets it, built by testing/buildDist.ts: plain `node` (no loader, no
 * TypeScript) imports and requires the Node entry through the workspace's manifest; then the
 * `pnpm pack` tarball, installed by npm into a scratch project outside the workspace, runs both
 * entries and type-checks a consumer (ES module and CommonJS) with tsc, skipLibCheck off.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distDir, sdkRoot } from './testing/buildDist.ts';

const scratchRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-sdk-published-'));
afterAll(() => fs.rmSync(scratchRoot, { recursive: true, force: true }));

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const res = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  if (res.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

// What a vendor's backend does: verify a callback signed the spec's way, refuse it changed, sign a token.
const CONSUMER = `
const secret = 'whsec_' + crypto.randomBytes(24).toString('base64');
const body = JSON.stringify({ type: 'ping', timestamp: new Date().toISOString(),
  data: { configId: 'cfg_1', userId: 'u-42', accountId: 'acme', sharingLevel: 'user' } });
const ts = String(Math.floor(Date.now() / 1000));
const signature = crypto.createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update('msg_1.' + ts + '.' + body).digest('base64');
const headers = { 'Webhook-Id': 'msg_1', 'Webhook-Timestamp': ts, 'Webhook-Signature': 'v1,' + signature };
const event = sdk.verifyCallback(Buffer.from(body), headers, secret);
let refused;
try { sdk.verifyCallback(body.replace('u-42', 'u-43'), headers, secret); } catch (e) { refused = e instanceof sdk.CallbackVerificationError && e.code; }
const ownHeaders = sdk.signCallback({ body, secret: [secret] });
const roundTrip = sdk.verifyCallback(body, ownHeaders, secret).type;
const token = sdk.signEmbedToken({ configId: 'cfg_1', secret: 'embed-secret', user: { id: 'u-42' }, account: { id: 'acme' } });
const [h, p, s] = token.split('.');
const tokenOk = crypto.createHmac('sha256', 'embed-secret').update(h + '.' + p).digest('base64url') === s;
console.log(JSON.stringify({ type: event.type, refused, roundTrip, tokenOk, claims: JSON.parse(Buffer.from(p, 'base64url')).aud }));
`;
const ESM = `import crypto from 'node:crypto';\nimport * as sdk from '@patchbay/sdk/node';\n${CONSUMER}`;
const CJS = `const crypto = require('node:crypto');\nconst sdk = require('@patchbay/sdk/node');\n${CONSUMER}`;
const EXPECTED = { type: 'ping', refused: 'no_matching_signature', roundTrip: 'ping', tokenOk: true, claims: 'cfg_1' };

/** A project outside the workspace with the two consumer scripts. */
function scratchProject(name: string): string {
  const dir = path.join(scratchRoot, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `scratch-${name}`, private: true, version: '1.0.0' }));
  fs.writeFileSync(path.join(dir, 'consumer.mjs'), ESM);
  fs.writeFileSync(path.join(dir, 'consumer.cjs'), CJS);
  return dir;
}
const runNode = (dir: string, file: string) => JSON.parse(run(process.execPath, [file], dir));

describe('the workspace manifest', () => {
  it('lets plain node import and require @patchbay/sdk/node (built JavaScript, not TypeScript sources)', () => {
    const dir = scratchProject('linked');
    fs.mkdirSync(path.join(dir, 'node_modules', '@patchbay'), { recursive: true });
    fs.symlinkSync(sdkRoot, path.join(dir, 'node_modules', '@patchbay', 'sdk'), 'dir');
    expect(runNode(dir, 'consumer.mjs')).toEqual(EXPECTED);
    expect(runNode(dir, 'consumer.cjs')).toEqual(EXPECTED);
  });

  it('builds a Node entry that loads nothing but node:crypto', () => {
    for (const file of ['node.js', 'node.cjs']) {
      const code = fs.readFileSync(path.join(distDir, file), 'utf8');
      const loads = [...code.matchAll(/(?:^import .* from |\brequire\()["']([^"']+)["']/gm)].map((m) => m[1]);
      expect(loads).toEqual(['node:crypto']);
    }
  });
});

describe('the packed tarball, installed outside the workspace', () => {
  let dir: string;
  let tarball: string;
  let installed: string;

  beforeAll(() => {
    const packs = path.join(scratchRoot, 'packs');
    // dist/ is already built (global setup); skipping prepack keeps it from being rebuilt under the other suites.
    run('pnpm', ['pack', '--pack-destination', packs], sdkRoot, { npm_config_ignore_scripts: 'true' });
    tarball = path.join(packs, fs.readdirSync(packs).find((f) => f.endsWith('.tgz')) ?? 'missing.tgz');
    dir = scratchProject('installed');
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', tarball], dir);
    installed = path.join(dir, 'node_modules', '@patchbay', 'sdk');
  }, 60_000);

  it('holds the built files, the README and a manifest that names only them, with no dependencies', () => {
    const files = fs
      .readdirSync(installed, { recursive: true })
      .map(String)
      .filter((f) => fs.statSync(path.join(installed, f)).isFile());
    expect(files.sort()).toEqual(
      [
        'README.md',
        'package.json',
        'dist/index.js',
        'dist/patchbay.iife.js',
        'dist/node.js',
        'dist/node.cjs',
        ...fs.readdirSync(path.join(distDir, 'types')).map((f) => `dist/types/${f}`),
      ].sort(),
    );
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.publishConfig).toBeUndefined();
    expect(manifest.types).toBe('./dist/types/index.d.ts');
    // For TypeScript's older `moduleResolution: node10`, which reads no `exports`.
    expect(manifest.typesVersions).toEqual({ '*': { node: ['./dist/types/node.d.cts'] } });
    expect(manifest.exports).toEqual({
      '.': { types: './dist/types/index.d.ts', default: './dist/index.js' },
      './node': {
        import: { types: './dist/types/node.d.ts', default: './dist/node.js' },
        require: { types: './dist/types/node.d.cts', default: './dist/node.cjs' },
      },
      './patchbay.iife.js': './dist/patchbay.iife.js',
      './package.json': './package.json',
    });
    // Nothing else was installed: the package stands alone.
    expect(fs.readdirSync(path.join(dir, 'node_modules')).filter((f) => !f.startsWith('.'))).toEqual(['@patchbay']);
    for (const file of files.filter((f) => f.startsWith('dist/'))) {
      expect(fs.readFileSync(path.join(installed, file), 'utf8')).not.toMatch(
        /(?:from|import\(|require\()\s*["'](?:@patchbay\/shared|zod|penpal)/,
      );
    }
  });

  it('runs the Node entry as ES module and as CommonJS', () => {
    expect(runNode(dir, 'consumer.mjs')).toEqual(EXPECTED);
    expect(runNode(dir, 'consumer.cjs')).toEqual(EXPECTED);
  });

  it('resolves the browser entry to its ES module, which loads without a DOM and exports mountPortal', () => {
    const script = `
      const url = import.meta.resolve('@patchbay/sdk');
      const m = await import('@patchbay/sdk');
      console.log(JSON.stringify({ url: url.slice(url.indexOf('node_modules')), exports: Object.keys(m).sort(),
        iife: import.meta.resolve('@patchbay/sdk/patchbay.iife.js').endsWith('/dist/patchbay.iife.js') }));`;
    expect(JSON.parse(run(process.execPath, ['--input-type=module', '-e', script], dir))).toEqual({
      url: 'node_modules/@patchbay/sdk/dist/index.js',
      exports: ['PORTAL_CHANNEL', 'PORTAL_EVENT_TYPES', 'mountPortal', 'portalUrl'],
      iife: true,
    });
  });

  it('type-checks a TypeScript consumer of both entries, as ES module and as CommonJS', () => {
    fs.writeFileSync(
      path.join(dir, 'consumer.mts'),
      `import { mountPortal, type PortalEvent, type PortalEventOf } from '@patchbay/sdk';
import { type CallbackEvent, CallbackVerificationError, signEmbedToken, verifyCallback } from '@patchbay/sdk/node';

export function receive(raw: Buffer, headers: Record<string, string | string[] | undefined>): string {
  try {
    const event: CallbackEvent = verifyCallback(raw, headers, ['whsec_a', 'whsec_b'], { toleranceSeconds: 60 });
    return event.data.configId;
  } catch (error) {
    if (error instanceof CallbackVerificationError) return error.code;
    throw error;
  }
}
export const token: string = signEmbedToken({ configId: 'cfg_1', secret: 's', user: { id: 'u' }, account: { id: 'a' } });
const portal = mountPortal({ container: '#x', url: 'https://patchbay.example.com', configId: 'cfg_1', token: () => token });
portal.on('integration.enabled', (e: Readonly<PortalEventOf<'integration.enabled'>>) => e.integrationId);
export const first = (e: PortalEvent): string => e.type;
// @ts-expect-error: the body must be a string or bytes, not parsed JSON
verifyCallback({ type: 'ping' }, {}, 'whsec_a');
// @ts-expect-error: no such event
portal.on('integration.exploded', () => {});
`,
    );
    fs.writeFileSync(
      path.join(dir, 'consumer.cts'),
      `import sdk = require('@patchbay/sdk/node');
export const verify = (raw: string, headers: Headers): sdk.CallbackEvent['type'] => sdk.verifyCallback(raw, headers, 'whsec_a').type;
// @ts-expect-error: the secret is a string or a list of them
sdk.verifyCallback('{}', {}, 42);
`,
    );
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2022',
          lib: ['es2023', 'dom'],
          strict: true,
          exactOptionalPropertyTypes: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [path.join(sdkRoot, 'node_modules', '@types')],
        },
        files: ['consumer.mts', 'consumer.cts'],
      }),
    );
    const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
    const res = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--traceResolution'], { cwd: dir, encoding: 'utf8' });
    expect(res.stdout.split('\n').filter((l) => l.includes('error TS'))).toEqual([]);
    expect(res.status).toBe(0);
    // The CommonJS consumer got the CommonJS declarations.
    expect(res.stdout).toMatch(
      /'@patchbay\/sdk\/node' was successfully resolved to '[^']*node_modules\/@patchbay\/sdk\/dist\/types\/node\.d\.cts'/,
    );
    expect(res.stdout).toMatch(
      /'@patchbay\/sdk\/node' was successfully resolved to '[^']*node_modules\/@patchbay\/sdk\/dist\/types\/node\.d\.ts'/,
    );
  });
});
