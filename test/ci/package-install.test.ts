// CI-only (a step of .ci/run; `npx tap --disable-coverage test/ci/package-install.test.ts` runs it
// alone, ~1 minute when build/Release is fresh, several when prepack must compile): the package
// as a user installs it. `npm pack` in a copy of the repository (prepack puts this machine's
// binary in prebuilds/, prepare compiles dist/), then `npm ci --offline` of that tarball in an
// empty project whose PATH holds only node, npm and sh: it must install without building and solve.
// The same with the prebuild left out must fail with install.js's three lines saying what to
// install. Offline: the project's lockfile pins node-addon-api and node-gyp-build to the versions
// in this repository's package-lock.json, whose tarballs `npm ci` put in npm's cache.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import t from 'tap';
import type { Test } from 'tap';

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const target = `${process.platform}-${process.arch}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-pack-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs a command, failing the test with its output when it does not exit with `status`. */
function run(
  t: Test,
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
  status = 0,
) {
  const r = spawnSync(cmd, args, {
    ...opts,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 15 * 60 * 1000,
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  t.equal(
    r.status,
    status,
    `${path.basename(cmd)} ${args.join(' ')} exits ${status}${r.status === status ? '' : `:\n${out.slice(-4000)}`}`,
  );
  return { ...r, out };
}

// A copy of the repository as CI has it (tracked and new files, timestamps kept, so prepack can
// tell whether build/Release is newer than the sources), with node_modules linked.
const stage = path.join(tmp, 'stage');
const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
  cwd: root,
  encoding: 'utf8',
});
const files = listed.status === 0 ? listed.stdout.split('\0').filter(Boolean) : [];
for (const f of files) {
  const from = path.join(root, f);
  if (!fs.existsSync(from) || fs.statSync(from).isDirectory()) continue; // deleted in the work tree, or a submodule
  fs.mkdirSync(path.dirname(path.join(stage, f)), { recursive: true });
  fs.cpSync(from, path.join(stage, f), { preserveTimestamps: true });
}
for (const extra of ['build/Release/itersolve.node', 'prebuilds']) {
  const from = path.join(root, extra);
  if (fs.existsSync(from))
    fs.cpSync(from, path.join(stage, extra), { recursive: true, preserveTimestamps: true });
}
if (files.length > 0)
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'));

/** npm's own script (npm is a link to it): run with this Node, it needs nothing else on PATH. */
const npmCli = (() => {
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) {
    const f = path.join(d, 'npm');
    if (fs.existsSync(f)) return fs.realpathSync(f);
  }
  return require.resolve('npm/bin/npm-cli.js', {
    paths: [path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules')],
  });
})();

// PATH with nothing but node, npm and sh (npm runs scripts with it): no python3, make or compiler.
const bare = path.join(tmp, 'bin');
fs.mkdirSync(bare);
fs.symlinkSync(process.execPath, path.join(bare, 'node'));
fs.symlinkSync(fs.existsSync('/bin/sh') ? '/bin/sh' : '/usr/bin/sh', path.join(bare, 'sh'));
fs.symlinkSync(npmCli, path.join(bare, 'npm'));
const bareEnv: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: bare,
  NODE_OPTIONS: '',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
};
for (const k of [
  'PYTHON',
  'npm_config_python',
  'CXX',
  'CC',
  'npm_config_build_from_source',
  'ITERSOLVE_ADDON',
  'LD_PRELOAD',
])
  delete bareEnv[k];

/** An empty project depending on `tarball` only, with a lockfile for offline `npm ci`. */
function project(name: string, tarball: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  const spec = `file:${path.relative(dir, tarball)}`;
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      { name, version: '1.0.0', private: true, dependencies: { itersolve: spec } },
      null,
      2,
    ),
  );
  const packages: Record<string, unknown> = {
    '': { name, version: '1.0.0', dependencies: { itersolve: spec } },
    'node_modules/itersolve': {
      version: pkg.version,
      resolved: spec,
      hasInstallScript: true,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const dep of Object.keys(pkg.dependencies))
    packages[`node_modules/${dep}`] = lock.packages[`node_modules/${dep}`];
  fs.writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify(
      { name, version: '1.0.0', lockfileVersion: 3, requires: true, packages },
      null,
      2,
    ),
  );
  return dir;
}

t.test(
  'npm pack: the tarball holds the prebuilt binary, dist/ and the sources',
  { skip: files.length ? false : 'not a git checkout' },
  async (t) => {
    const packed = run(t, process.execPath, [npmCli, 'pack', '--pack-destination', tmp], {
      cwd: stage,
    });
    const tarball = path.join(tmp, `itersolve-${pkg.version}.tgz`);
    t.ok(fs.existsSync(tarball), `${path.basename(tarball)} written`);
    t.match(
      packed.out,
      /prepack: prebuilds\/.+\/itersolve\.node/,
      'prepack said where the binary came from',
    );
    const list = spawnSync('tar', ['tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
    for (const f of [
      `prebuilds/${target}/itersolve.node`,
      'scripts/install.js',
      'dist/cjs/index.js',
      'dist/esm/index.mjs',
      'dist/cjs/cli/index.js',
      'binding.gyp',
      'sources.json',
    ])
      t.ok(list.includes(`package/${f}`), `has ${f}`);
    t.notOk(
      list.some((f) => /^package\/(test|build|node_modules|lib)\//.test(f)),
      'no tests, builds, node_modules or TypeScript sources',
    );

    await t.test('npm ci of the tarball with no compiler: no build, and it solves', async (t) => {
      const app = project('app', tarball);
      run(t, path.join(bare, 'npm'), ['ci', '--offline'], { cwd: app, env: bareEnv });
      const installed = path.join(app, 'node_modules', 'itersolve');
      t.ok(fs.existsSync(path.join(installed, 'prebuilds', target, 'itersolve.node')));
      t.notOk(fs.existsSync(path.join(installed, 'build')), 'nothing was built');
      const script = `
      const s = require('itersolve');
      const A = s.poisson2d(20);
      const r = s.cgSync(A, new Float64Array(400).fill(1));
      import('itersolve').then((esm) => console.log(JSON.stringify({ converged: r.converged, same: esm.CsrMatrix === s.CsrMatrix, simd: s.simd() })));`;
      const r = run(t, path.join(bare, 'node'), ['-e', script], { cwd: app, env: bareEnv });
      const o = JSON.parse(r.stdout);
      t.same([o.converged, o.same], [true, true]);
      const cli = run(
        t,
        path.join(bare, 'node'),
        [path.join(app, 'node_modules', '.bin', 'itersolve'), 'info', '--json'],
        { cwd: app, env: bareEnv },
      );
      t.equal(JSON.parse(cli.stdout).version, pkg.version, 'the bin runs');
    });

    await t.test(
      'without the prebuild and without a compiler: the install fails saying what to install',
      async (t) => {
        fs.rmSync(path.join(stage, 'prebuilds'), { recursive: true, force: true });
        fs.rmSync(path.join(stage, 'build'), { recursive: true, force: true });
        const dest = path.join(tmp, 'noprebuild');
        fs.mkdirSync(dest);
        run(t, process.execPath, [npmCli, 'pack', '--ignore-scripts', '--pack-destination', dest], {
          cwd: stage,
        });
        const bad = path.join(dest, `itersolve-${pkg.version}.tgz`);
        t.notOk(
          spawnSync('tar', ['tzf', bad], { encoding: 'utf8' }).stdout.includes('prebuilds/'),
          'no prebuild in it',
        );
        const app = project('app-noprebuild', bad);
        const r = run(
          t,
          path.join(bare, 'npm'),
          ['ci', '--offline'],
          { cwd: app, env: bareEnv },
          1,
        );
        t.match(
          r.out,
          `itersolve: there is no prebuilt binary for ${target} in this package, so the native addon must be built from source, which needs python3, make and a C++17 compiler (g++ or clang++).`,
        );
        t.match(
          r.out,
          'itersolve: Not found on PATH: python3, make, a C++17 compiler (g++ or clang++).',
        );
        t.match(
          r.out,
          /itersolve: Install them \(Debian\/Ubuntu: apt-get install python3 make g\+\+/,
        );
        t.notMatch(r.out, /gyp (info|ERR!)/, 'node-gyp never ran');
      },
    );
  },
);
