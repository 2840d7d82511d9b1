// The package as a user sees it: `require('itersolve')` and `import { CsrMatrix } from 'itersolve'`
// both resolve (through package.json "exports") to one instance, with type declarations.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import t from 'tap';

const root = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

t.test('package.json entry points exist after install', async (t) => {
  t.equal(pkg.name, 'itersolve');
  for (const f of [pkg.main, pkg.types, pkg.exports['.'].import, pkg.exports['.'].require, pkg.bin.itersolve])
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
  const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  t.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.equal(out.ok, true);
  t.same(out.y, [2, 1, 2, 1, 0, 1, 2, 1, 2]);
  const m = spawnSync(process.execPath, ['--input-type=module', '-e', "import { CsrMatrix, readMatrixMarket } from 'itersolve'; console.log(typeof CsrMatrix, typeof readMatrixMarket);"], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  t.equal(m.status, 0, m.stderr);
  t.equal(m.stdout.trim(), 'function function');
});
