#!/usr/bin/env node
'use strict';
// npm pack / npm publish (package.json "prepack"): puts this machine's binary in
// prebuilds/<platform>-<arch>/itersolve.node, the file `prebuildify --napi --strip` makes and
// node-gyp-build loads, so `npm install itersolve-*.tgz` on a machine like this one needs no
// compiler. In order:
//   1. a prebuild newer than every native source is kept as it is;
//   2. else a build/Release/itersolve.node newer than every native source (what `npm ci` just
//      built with the same binding.gyp) is copied there and stripped, as prebuildify would;
//   3. else `prebuildify --napi --strip` builds it (node-gyp rebuild: minutes).
// The result must load in a fresh Node process, or the pack fails.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const target = `${process.platform}-${process.arch}`;
const dest = path.join(root, 'prebuilds', target, 'itersolve.node');
const built = path.join(root, 'build', 'Release', 'itersolve.node');
const log = (s) => console.error(`prepack: ${s}`);

/** The newest modification time among the files the binary is compiled from. */
function newestSource() {
  let newest = 0;
  const visit = (p) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['native', 'bindings', 'binding.gyp', 'sources.json', 'scripts/sources.js']) {
    const full = path.join(root, p);
    if (fs.existsSync(full)) visit(full);
  }
  return newest;
}

const fresh = (file, newest) => fs.existsSync(file) && fs.statSync(file).mtimeMs >= newest;

function strip(file) {
  if (process.platform !== 'linux' && process.platform !== 'darwin') return;
  const args = process.platform === 'darwin' ? [file, '-Sx'] : [file, '--strip-all'];
  const r = spawnSync('strip', args, { stdio: 'inherit' });
  if (r.error || r.status !== 0)
    log(
      `strip failed (${r.error ? r.error.message : `exit ${r.status}`}); keeping the unstripped binary`,
    );
}

const newest = newestSource();
if (fresh(dest, newest)) {
  log(`${path.relative(root, dest)} is up to date`);
} else if (fresh(built, newest)) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(built, dest);
  strip(dest);
  log(`${path.relative(root, dest)} from build/Release (stripped)`);
} else {
  log(`building ${path.relative(root, dest)} with prebuildify --napi --strip`);
  const bin = path.join(root, 'node_modules', 'prebuildify', 'bin.js');
  const r = spawnSync(process.execPath, [bin, '--napi', '--strip'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    log(`prebuildify failed (exit ${r.status}); the package would have no binary for ${target}`);
    process.exit(1);
  }
}

const check = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(dest)})`], {
  encoding: 'utf8',
});
if (check.status !== 0) {
  log(`${path.relative(root, dest)} does not load: ${check.stderr.trim().split('\n')[0]}`);
  process.exit(1);
}
