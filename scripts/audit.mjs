#!/usr/bin/env node
// `npm audit` of the production dependencies: fails on any high or critical advisory. Where the
// registry's audit endpoint cannot be reached (a closed network), says so and does not fail: the
// check then runs wherever the endpoint answers (a developer's machine, an open CI).
import { spawnSync } from 'node:child_process';

const r = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname });
let report;
try {
  report = JSON.parse(r.stdout);
} catch {
  console.error(`npm audit gave no report (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  process.exit(1);
}
const counts = report.metadata?.vulnerabilities;
if (!counts) {
  console.warn(`npm audit: the registry's audit endpoint did not answer (${report.message ?? report.error?.summary ?? 'unknown error'}); not checked here`);
  process.exit(0);
}
const serious = (counts.high ?? 0) + (counts.critical ?? 0);
console.log(`npm audit (production dependencies): ${JSON.stringify(counts)}`);
for (const [name, v] of Object.entries(report.vulnerabilities ?? {})) {
  if (v.severity === 'high' || v.severity === 'critical') console.log(`  ${v.severity}: ${name} ${v.range}`);
}
process.exit(serious ? 1 : 0);
