#!/usr/bin/env node
'use strict';
// npm run build:petsc: compiles petsc/itersolve_petsc.c, the MPI program petscSolve runs, against
// the PETSc installed on this machine, into build-petsc/itersolve-petsc. Never part of the addon:
// itersolve works without it, and petscSolve says how to get it (ERR_UNAVAILABLE).
//
// PETSc is found with pkg-config (PETSc.pc, or petsc.pc). PETSC_DIR (with PETSC_ARCH for an
// in-place build) points at a PETSc of your own: its lib/pkgconfig goes first on PKG_CONFIG_PATH,
// which you may also set yourself. The compiler is PETSc's (the .pc file's ccompiler, normally
// mpicc) or $MPICC. Debian / Ubuntu: apt-get install petsc-dev (brings OpenMPI and mpicc).
//
//   node scripts/build-petsc.js [--out DIR] [--quiet]
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const quiet = args.includes('--quiet');
const outIndex = args.indexOf('--out');
const outDir = path.resolve(outIndex >= 0 ? args[outIndex + 1] : path.join(root, 'build-petsc'));
const source = path.join(root, 'petsc', 'itersolve_petsc.c');
const program = path.join(outDir, 'itersolve-petsc');
const say = (s) => process.stderr.write(`build:petsc: ${s}\n`);
const INSTALL =
  'install PETSc with MPI (Debian / Ubuntu: apt-get install petsc-dev), or point PETSC_DIR ' +
  '(and PETSC_ARCH) or PKG_CONFIG_PATH at a PETSc build';

function fail(msg) {
  say(msg);
  process.exit(1);
}

function run(cmd, argv, env) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env });
  if (r.error)
    return { ok: false, missing: r.error.code === 'ENOENT', out: String(r.error.message) };
  return { ok: r.status === 0, out: (r.stdout || '').trim(), err: (r.stderr || '').trim() };
}

const env = { ...process.env };
const pcDirs = [];
if (env.PETSC_DIR) {
  if (env.PETSC_ARCH) pcDirs.push(path.join(env.PETSC_DIR, env.PETSC_ARCH, 'lib', 'pkgconfig'));
  pcDirs.push(path.join(env.PETSC_DIR, 'lib', 'pkgconfig'));
}
if (pcDirs.length)
  env.PKG_CONFIG_PATH = [...pcDirs, env.PKG_CONFIG_PATH].filter(Boolean).join(path.delimiter);

const probe = run('pkg-config', ['--version'], env);
if (probe.missing) fail(`pkg-config is not installed (apt-get install pkg-config); ${INSTALL}`);
const pkg = ['PETSc', 'petsc'].find((name) => run('pkg-config', ['--exists', name], env).ok);
if (!pkg)
  fail(
    `pkg-config finds no PETSc (PETSc.pc${env.PKG_CONFIG_PATH ? ` on PKG_CONFIG_PATH=${env.PKG_CONFIG_PATH}` : ''}); ${INSTALL}`,
  );
const q = (...a) => {
  const r = run('pkg-config', [...a, pkg], env);
  if (!r.ok) fail(`pkg-config ${a.join(' ')} ${pkg} failed: ${r.err || r.out}`);
  return r.out;
};
const version = q('--modversion');
const cflags = q('--cflags').split(/\s+/).filter(Boolean);
const libs = q('--libs').split(/\s+/).filter(Boolean);
const libdir = q('--variable=libdir');
const cc = env.MPICC || q('--variable=ccompiler') || 'mpicc';
const [major, minor] = version.split('.').map(Number);
if (!(major > 3 || (major === 3 && minor >= 15)))
  fail(`PETSc ${version} is too old: itersolve-petsc needs PETSc >= 3.15`);

const check = run(cc, ['--version'], env);
if (check.missing)
  fail(
    `the MPI C compiler ${cc} (PETSc ${version}'s) is not installed; install MPI (Debian / Ubuntu: apt-get install petsc-dev brings OpenMPI and mpicc) or set MPICC`,
  );

fs.mkdirSync(outDir, { recursive: true });
const argv = [
  '-O2',
  '-std=c99',
  '-Wall',
  ...cflags,
  source,
  '-o',
  program,
  ...libs,
  ...(libdir ? [`-Wl,-rpath,${libdir}`] : []),
  '-lm',
];
if (!quiet) say(`${cc} ${argv.join(' ')}`);
const built = run(cc, argv, env);
if (!built.ok) fail(`compiling ${path.relative(root, source)} failed:\n${built.err || built.out}`);
if (built.err && !quiet) process.stderr.write(`${built.err}\n`);
if (!quiet)
  say(`built ${path.relative(process.cwd(), program)} against PETSc ${version} (${pkg}.pc)`);
