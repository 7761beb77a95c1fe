#!/usr/bin/env node
// Runs every test file under test/ with node's built-in runner through tsx.
// Node 20's --test neither expands globs nor finds .ts files by itself, and with no files it
// runs nothing and exits 0: so the list is built here and an empty run is a failure.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const testDir = join(root, 'test');
const filter = process.argv.slice(2);

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...collect(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

let files = collect(testDir).map((f) => relative(root, f));
if (filter.length > 0) files = files.filter((f) => filter.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('run-tests: no test files found' + (filter.length ? ` matching ${filter.join(', ')}` : ''));
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
);
process.stdout.write(result.stdout ?? '');
// No process.exit() from here on: into a pipe (`npm test | tee`), a large output may still be
// queued, and exiting would cut it, summary line included. Setting the exit code lets it drain.
if (result.error) {
  console.error(`run-tests: could not start node: ${result.error.message}`);
  process.exitCode = 1;
} else {
  const passed = Number(/^ℹ pass (\d+)/m.exec(result.stdout ?? '')?.[1] ?? 0);
  const failed = Number(/^ℹ fail (\d+)/m.exec(result.stdout ?? '')?.[1] ?? 0);
  console.log(`${passed} passed, ${failed} failed`);
  if (passed + failed === 0) {
    console.error('run-tests: zero tests ran: failing the run');
    process.exitCode = 1;
  } else {
    process.exitCode = result.status ?? 1;
  }
}
