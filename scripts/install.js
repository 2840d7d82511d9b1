#!/usr/bin/env node
'use strict';
// npm's install step for itersolve (package.json "install"). node-gyp-build loads the prebuilt
// binary in prebuilds/<platform>-<arch>/ when one matches and loads on this machine (a build in
// build/Release counts too); otherwise the addon is built from source with node-gyp, which needs
// python3, make and a C++17 compiler. When there is no usable prebuild and one of those tools is
// missing, this says so in three lines instead of node-gyp's long log, and fails the install.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const target = `${process.platform}-${process.arch}`;
const say = (s) => process.stderr.write(`itersolve: ${s}\n`);

/** undefined when a prebuilt (or already built) binary loads here, else why not. */
function prebuildProblem() {
  let file;
  try {
    file = require('node-gyp-build').path(root);
  } catch {
    return `there is no prebuilt binary for ${target} in this package`;
  }
  try {
    require(file);
    return undefined;
  } catch (e) {
    return `the prebuilt binary ${path.relative(root, file)} does not load here (${String(e.message).split('\n')[0]})`;
  }
}

/** The first of `names` that is an executable file on PATH (or a path to one). */
function onPath(names) {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
  for (const name of names) {
    if (!name) continue;
    const candidates = name.includes(path.sep) ? [name] : dirs.map((d) => path.join(d, name));
    for (const c of candidates) {
      try {
        fs.accessSync(c, fs.constants.X_OK);
        if (fs.statSync(c).isFile()) return c;
      } catch {
        /* not this one */
      }
    }
  }
  return undefined;
}

/** The build tools node-gyp needs that cannot be found. */
function missingTools() {
  const missing = [];
  if (!onPath([process.env.PYTHON, process.env.npm_config_python, 'python3', 'python']))
    missing.push('python3');
  if (!onPath(['make'])) missing.push('make');
  const cxx = process.env.CXX ? process.env.CXX.trim().split(/\s+/)[0] : undefined;
  if (!onPath([cxx, 'c++', 'g++', 'clang++'])) missing.push('a C++17 compiler (g++ or clang++)');
  return missing;
}

const fromSource = process.env.npm_config_build_from_source === 'true';
const problem = fromSource ? undefined : prebuildProblem();
if (!fromSource && problem === undefined) process.exit(0);

const needs = 'python3, make and a C++17 compiler (g++ or clang++)';
const missing = missingTools();
if (missing.length > 0) {
  say(
    `${fromSource ? 'building from source was asked for' : problem}, so the native addon must be built from source, which needs ${needs}.`,
  );
  say(`Not found on PATH: ${missing.join(', ')}.`);
  say(
    'Install them (Debian/Ubuntu: apt-get install python3 make g++; macOS: xcode-select --install), then run npm install again.',
  );
  process.exit(1);
}

// node-gyp-build's own entry, told to build (it finds npm's bundled node-gyp).
const bin = require.resolve('node-gyp-build/bin.js');
const r = spawnSync(process.execPath, [bin], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, npm_config_build_from_source: 'true' },
});
if (r.status !== 0) {
  say(
    `building the native addon from source failed (node-gyp's output is above); ${problem ?? 'a build from source was asked for'}.`,
  );
  say(
    `The build needs ${needs}, and Node's headers (node-gyp downloads them, or set npm_config_nodedir).`,
  );
  process.exit(r.status || 1);
}
