// The package as a user sees it: `require('itersolve')` and `import { CsrMatrix } from 'itersolve'`
// both resolve (through package.json "exports") to one instance, with type declarations.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import t from 'tap';

const root = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

t.test('package.json entry points exist after install', async (t) => {
  t.equal(pkg.name, 'itersolve');
  for (const f of [
    pkg.main,
    pkg.types,
    pkg.exports['.'].import,
    pkg.exports['.'].require,
    pkg.bin.itersolve,
  ])
    t.ok(fs.existsSync(path.join(root, f)), `${f} exists`);
  t.match(fs.readFileSync(path.join(root, 'dist', 'cjs', 'index.d.ts'), 'utf8'), /CsrMatrix/);
  t.same(pkg.binary, { napi_versions: [9] });
});

t.test('require and import give the same module', async (t) => {
  const script = `
    const cjs = require('itersolve');
    import('itersolve').then((esm) => {
      const A = esm.poisson2d(3);
      const ok = esm.CsrMatrix === cjs.CsrMatrix && A instanceof cjs.CsrMatrix && typeof esm.default.simd === 'function';
      console.log(JSON.stringify({ ok, simd: esm.simd(), y: Array.from(A.multiply(new Float64Array(9).fill(1))) }));
    });`;
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  t.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.equal(out.ok, true);
  t.same(out.y, [2, 1, 2, 1, 0, 1, 2, 1, 2]);
  const m = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import { CsrMatrix, readMatrixMarket } from 'itersolve'; console.log(typeof CsrMatrix, typeof readMatrixMarket);",
    ],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    },
  );
  t.equal(m.status, 0, m.stderr);
  t.equal(m.stdout.trim(), 'function function');
});

t.test('package.json: install and prepack scripts, packed files', async (t) => {
  t.equal(pkg.scripts.install, 'node scripts/install.js');
  t.equal(pkg.scripts.prepack, 'node scripts/prepack.js');
  t.equal(pkg.scripts.prebuild, 'prebuildify --napi --strip');
  // what an install from the tarball runs, and builds from when no prebuild matches
  for (const f of [
    'scripts/install.js',
    'scripts/sources.js',
    'prebuilds/',
    'dist/',
    'native/',
    'bindings/',
    'binding.gyp',
    'sources.json',
  ])
    t.ok(pkg.files.includes(f), `files has ${f}`);
  t.equal(pkg.bin.itersolve, './dist/cjs/cli/index.js');
  t.same(
    Object.keys(pkg.dependencies).sort(),
    ['node-addon-api', 'node-gyp-build'],
    'what an install needs besides the tarball',
  );
});

// scripts/install.js on its own, in a scratch package folder (no npm, no network): the full
// `npm pack` + `npm install` round trip is test/ci/package-install.test.ts, a CI step.
const addon = process.env.ITERSOLVE_ADDON ?? path.join(root, 'build', 'Release', 'itersolve.node');
const target = `${process.platform}-${process.arch}`;

/** A folder of links to the given programs: a PATH with nothing else on it. */
function binDir(dir: string, programs: Record<string, string>): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, file] of Object.entries(programs)) fs.symlinkSync(file, path.join(dir, name));
  return dir;
}

/** The first executable `name` on this machine's PATH. */
function which(name: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) {
    const f = path.join(d, name);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      /* next */
    }
  }
  return undefined;
}

t.test(
  'install script: uses a prebuild that loads; else says in three lines what to install',
  async (t) => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-install-'));
    t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const pkgDir = path.join(tmp, 'pkg');
    fs.mkdirSync(path.join(pkgDir, 'scripts'), { recursive: true });
    fs.copyFileSync(
      path.join(root, 'scripts', 'install.js'),
      path.join(pkgDir, 'scripts', 'install.js'),
    );
    fs.writeFileSync(
      path.join(pkgDir, 'package.json'),
      JSON.stringify({ name: 'itersolve', version: pkg.version }),
    );
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(pkgDir, 'node_modules'));
    const bare = binDir(path.join(tmp, 'bare'), { node: process.execPath });
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', PATH: bare };
    for (const k of [
      'PYTHON',
      'npm_config_python',
      'CXX',
      'npm_config_build_from_source',
      'ITERSOLVE_ADDON',
    ])
      delete env[k];
    const install = (e = env) =>
      spawnSync(process.execPath, [path.join(pkgDir, 'scripts', 'install.js')], {
        cwd: pkgDir,
        env: e,
        encoding: 'utf8',
      });

    // No prebuild, no build tools.
    const none = install();
    t.equal(none.status, 1);
    t.equal(none.stdout, '');
    t.same(none.stderr.trimEnd().split('\n'), [
      `itersolve: there is no prebuilt binary for ${target} in this package, so the native addon must be built from source, which needs python3, make and a C++17 compiler (g++ or clang++).`,
      'itersolve: Not found on PATH: python3, make, a C++17 compiler (g++ or clang++).',
      'itersolve: Install them (Debian/Ubuntu: apt-get install python3 make g++; macOS: xcode-select --install), then run npm install again.',
    ]);

    // Only the compiler missing: the message names just that.
    const py = which('python3');
    const make = which('make');
    if (py && make) {
      const some = binDir(path.join(tmp, 'some'), { node: process.execPath, python3: py, make });
      const r = install({ ...env, PATH: some });
      t.equal(r.status, 1);
      t.match(
        r.stderr,
        /^itersolve: Not found on PATH: a C\+\+17 compiler \(g\+\+ or clang\+\+\)\.$/m,
      );
    }

    // A prebuild that does not load (not a shared object): said so, then what to install.
    const dir = path.join(pkgDir, 'prebuilds', target);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'itersolve.node'), 'not an ELF file');
    const broken = install();
    t.equal(broken.status, 1);
    t.match(
      broken.stderr,
      new RegExp(
        `^itersolve: the prebuilt binary prebuilds/${target}/itersolve\\.node does not load here \\(.+\\), so the native addon must be built from source`,
      ),
    );

    // A prebuild that loads: nothing to do, nothing printed, no compiler needed.
    if (fs.existsSync(addon)) {
      fs.copyFileSync(addon, path.join(dir, 'itersolve.node'));
      const ok = install();
      t.equal(ok.status, 0, ok.stderr);
      t.equal(ok.stderr, '');
      t.notOk(fs.existsSync(path.join(pkgDir, 'build')), 'nothing built');
    } else t.skip(`no addon at ${addon} to stand in for a prebuild`);
  },
);
