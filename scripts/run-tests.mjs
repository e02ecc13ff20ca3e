#!/usr/bin/env node
// Runs every package's test suite with a JSON report, continues past failures, and ends with
// one line `N passed, N failed` totalling all suites. Exits non-zero if anything failed.
// The server suite runs twice: on SQLite, and on a throwaway PostgreSQL server this script starts
// (scripts/postgres.sh, which installs Debian's postgresql when missing) and always stops.
// PATCHBAY_TEST_POSTGRES_URL, when set, names a server to use instead.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const reportDir = path.join(root, 'reports');
fs.rmSync(reportDir, { recursive: true, force: true });
fs.mkdirSync(reportDir, { recursive: true });

const suites = [
  { pkg: '@patchbay/shared', report: 'shared.json', kind: 'vitest' },
  { pkg: '@patchbay/server', name: 'server (sqlite)', report: 'server.json', kind: 'vitest', env: { PATCHBAY_TEST_DRIVER: 'sqlite' } },
  { pkg: '@patchbay/server', name: 'server (postgres)', report: 'server-postgres.json', kind: 'vitest', postgres: true },
  { pkg: '@patchbay/sdk', report: 'sdk.json', kind: 'vitest' },
  { pkg: '@patchbay/embed-ui', report: 'embed-ui.json', kind: 'vitest' },
  { pkg: '@patchbay/e2e', report: 'e2e.json', kind: 'playwright' },
];

function count(suite) {
  const file = path.join(reportDir, suite.report);
  if (!fs.existsSync(file)) return null;
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (suite.kind === 'vitest')
    return {
      passed: r.numPassedTests,
      // a file that failed without a failed test (it did not load, a hook threw) counts once
      failed:
        r.numFailedTests +
        (r.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).every((a) => a.status !== 'failed')).length,
      skipped: r.numPendingTests + r.numTodoTests,
    };
  const s = r.stats;
  return { passed: s.expected + s.flaky, failed: s.unexpected + (r.errors?.length ?? 0), skipped: s.skipped };
}

/** The failed tests of a suite's report, one line each (file › name: first line of the error), so CI's tail names them. */
function failures(suite) {
  const file = path.join(reportDir, suite.report);
  if (!fs.existsSync(file)) return [];
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  const firstLine = (text) =>
    String(text ?? '')
      .replaceAll(`${String.fromCharCode(27)}[`, '[')
      .replace(/\[[0-9;]*m/g, '')
      .split('\n')
      .find((l) => l.trim()) ?? '';
  const out = [];
  if (suite.kind === 'vitest') {
    for (const f of r.testResults ?? []) {
      const rel = path.relative(root, f.name);
      if (f.status === 'failed' && (f.assertionResults ?? []).every((a) => a.status !== 'failed'))
        out.push(`${rel}: ${firstLine(f.message)}`);
      for (const a of f.assertionResults ?? [])
        if (a.status === 'failed') out.push(`${rel} › ${a.title}: ${firstLine(a.failureMessages?.[0])}`);
    }
  } else {
    const walk = (s) => {
      for (const spec of s.specs ?? [])
        for (const t of spec.tests ?? [])
          if (t.status === 'unexpected') out.push(`${spec.file} › ${spec.title}: ${firstLine(t.results?.at(-1)?.error?.message)}`);
      for (const child of s.suites ?? []) walk(child);
    };
    for (const s of r.suites ?? []) walk(s);
  }
  return out.map((l) => (l.length > 300 ? `${l.slice(0, 297)}...` : l));
}

/** A PostgreSQL server for the suites that need one: the given URL, or one started here. */
let pgDir = null;
function postgresUrl() {
  if (process.env.PATCHBAY_TEST_POSTGRES_URL) return process.env.PATCHBAY_TEST_POSTGRES_URL;
  pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-pg-'));
  const out = execFileSync('bash', [path.join(root, 'scripts/postgres.sh'), 'start', pgDir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim().split('\n').at(-1);
}
function stopPostgres() {
  if (!pgDir) return;
  spawnSync('bash', [path.join(root, 'scripts/postgres.sh'), 'stop', pgDir], { stdio: 'inherit' });
  fs.rmSync(pgDir, { recursive: true, force: true });
  pgDir = null;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopPostgres();
    process.exit(130);
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
const lines = [];
for (const suite of suites) {
  const name = suite.name ?? suite.pkg;
  const env = { ...process.env, ...suite.env, PB_REPORT_DIR: reportDir, PB_REPORT_NAME: path.basename(suite.report, '.json') };
  if (suite.postgres) {
    try {
      Object.assign(env, { PATCHBAY_TEST_DRIVER: 'postgres', PATCHBAY_TEST_POSTGRES_URL: postgresUrl() });
    } catch (err) {
      failed += 1;
      lines.push(`${name}: PostgreSQL did not start (${err.message.split('\n')[0]}); counted as 1 failed`);
      continue;
    }
  }
  console.log(`\n==> ${name}`);
  const res = spawnSync('pnpm', ['--filter', suite.pkg, 'test'], { stdio: 'inherit', env });
  if (suite.postgres) stopPostgres();
  const c = count(suite);
  if (!c) {
    failed += 1;
    lines.push(`${name}: no report (exit ${res.status}); counted as 1 failed`);
    continue;
  }
  if (res.status !== 0 && c.failed === 0) c.failed = 1;
  passed += c.passed;
  failed += c.failed;
  skipped += c.skipped;
  lines.push(`${name}: ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''}`);
  for (const f of failures(suite)) lines.push(`  ✗ ${f}`);
}
console.log('\nSummary');
for (const line of lines) console.log(`  ${line}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
