#!/usr/bin/env node
// Runs every package's test suite with a JSON report, continues past failures, and ends with
// one line `N passed, N failed` totalling all suites. Exits non-zero if anything failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const reportDir = path.join(root, 'reports');
fs.rmSync(reportDir, { recursive: true, force: true });
fs.mkdirSync(reportDir, { recursive: true });

const suites = [
  { pkg: '@patchbay/shared', report: 'shared.json', kind: 'vitest' },
  { pkg: '@patchbay/server', report: 'server.json', kind: 'vitest' },
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
      failed: r.numFailedTests + (r.numFailedTestSuites ?? 0),
      skipped: r.numPendingTests + r.numTodoTests,
    };
  const s = r.stats;
  return { passed: s.expected + s.flaky, failed: s.unexpected + (r.errors?.length ?? 0), skipped: s.skipped };
}

let passed = 0;
let failed = 0;
let skipped = 0;
const lines = [];
for (const suite of suites) {
  const res = spawnSync('pnpm', ['--filter', suite.pkg, 'test'], { stdio: 'inherit', env: { ...process.env, PB_REPORT_DIR: reportDir } });
  const c = count(suite);
  if (!c) {
    failed += 1;
    lines.push(`${suite.pkg}: no report (exit ${res.status}); counted as 1 failed`);
    continue;
  }
  if (res.status !== 0 && c.failed === 0) c.failed = 1;
  passed += c.passed;
  failed += c.failed;
  skipped += c.skipped;
  lines.push(`${suite.pkg}: ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''}`);
}
console.log('\nSummary');
for (const line of lines) console.log(`  ${line}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
