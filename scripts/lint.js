#!/usr/bin/env node
'use strict';
// `npm run lint` (check) and `npm run format` (write, `--fix`): ESLint and Prettier on the
// TypeScript and JavaScript (lib/, test/, scripts/, bench/, examples/), clang-format on the C and
// C++ (native/, bindings/, test/native/, fuzz/, bench/native/, petsc/). Every tool runs even when
// an earlier one fails; the exit code is non-zero when any failed. Files given after `--` limit
// the run to them:
//   node scripts/lint.js --fix -- lib/cli/solve.ts native/krylov/cg.cpp
// The tools are devDependencies (eslint, typescript-eslint, prettier, clang-format-node: a
// clang-format binary in an npm package, so no system package is needed); configs:
// eslint.config.mjs, .prettierrc, .clang-format.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const fix = process.argv.includes('--fix');
const dd = process.argv.indexOf('--');
const only = dd >= 0 ? process.argv.slice(dd + 1) : undefined;

const TS_DIRS = ['lib', 'test', 'scripts', 'bench', 'examples'];
const CPP_DIRS = ['native', 'bindings', 'test/native', 'fuzz', 'bench/native', 'petsc'];
const isTs = (f) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(f) && !f.endsWith('.d.ts');
const isCpp = (f) => /\.(cpp|cc|c|hpp|h|inc)$/.test(f);
const under = (dirs, f) => dirs.some((d) => f.startsWith(`${d}/`));

/** Tracked and new (not ignored) files, or those given after `--`. */
function files() {
  if (only) return only.map((f) => path.relative(root, path.resolve(f)).split(path.sep).join('/'));
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  return r.stdout.split('\0').filter((f) => f && fs.existsSync(path.join(root, f)));
}

const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const all = files();
const ts = all.filter(
  (f) =>
    isTs(f) &&
    (under(TS_DIRS, f) || !f.includes('/')) &&
    !f.startsWith('test/fixtures/') &&
    !f.startsWith('bench/out/'),
);
const cpp = all.filter((f) => isCpp(f) && under(CPP_DIRS, f));

const steps = [];
if (ts.length) {
  steps.push(['eslint', bin('eslint'), [...(fix ? ['--fix'] : []), '--max-warnings', '0', ...ts]]);
  steps.push([
    'prettier',
    bin('prettier'),
    [fix ? '--write' : '--check', '--log-level', fix ? 'warn' : 'log', ...ts],
  ]);
}

let failed = 0;
for (const [name, cmd, args] of steps) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  const ok = r.status === 0;
  if (!ok) failed++;
  console.log(
    `lint: ${name} ${fix ? 'wrote' : 'checked'} ${ts.length} files: ${ok ? 'ok' : r.error ? `could not run (${r.error.message})` : 'FAILED'}`,
  );
}

// clang-format one file at a time: in check mode the files that differ from their formatted
// text are listed (its own --dry-run report prints every line, thousands for one reflow).
if (cpp.length) {
  const differ = [];
  let error;
  for (const f of cpp) {
    const r = spawnSync(bin('clang-format'), fix ? ['-i', f] : [f], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0 || r.error) {
      error = r.error ? r.error.message : `${f}: ${r.stderr.trim()}`;
      break;
    }
    if (!fix && r.stdout !== fs.readFileSync(path.join(root, f), 'utf8')) differ.push(f);
  }
  for (const f of differ) console.log(`[clang-format] ${f}`);
  const ok = error === undefined && differ.length === 0;
  if (!ok) failed++;
  const what = error
    ? `could not run (${error})`
    : differ.length
      ? `FAILED: ${differ.length} not formatted (npm run format)`
      : 'ok';
  console.log(`lint: clang-format ${fix ? 'wrote' : 'checked'} ${cpp.length} files: ${what}`);
}
process.exit(failed ? 1 : 0);
