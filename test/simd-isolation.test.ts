// One binary must run on any x86-64 without SIGILL. That holds only if nothing compiled with
// AVX2/AVX-512 flags can be picked up by baseline code: each SIMD translation unit must define
// exactly one global symbol (its kernels_<isa>() table getter), no weak/COMDAT symbols (inline
// functions or templates the linker could merge with baseline copies), and reference nothing
// outside itself. This compiles each unit with the flags binding.gyp uses and inspects it.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import t from 'tap';

const root = path.join(__dirname, '..');
const sources = JSON.parse(fs.readFileSync(path.join(root, 'sources.json'), 'utf8'));
const cxx = process.env.CXX || 'g++';

t.test(
  'SIMD translation units export only their table and share no code',
  { skip: process.arch !== 'x64' ? 'x86-64 only' : false },
  async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-isa-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const env = { ...process.env, LD_PRELOAD: '' };
    for (const isa of ['avx2', 'avx512']) {
      const src = path.join(root, sources[isa][0]);
      const obj = path.join(dir, `${isa}.o`);
      const cc = spawnSync(
        cxx,
        [
          '-std=c++17',
          '-O3',
          '-fPIC',
          '-Wno-uninitialized',
          '-Wno-unused-function',
          ...sources.flags[isa],
          '-c',
          src,
          '-o',
          obj,
        ],
        { encoding: 'utf8', env },
      );
      t.equal(cc.status, 0, cc.stderr);
      const nm = spawnSync('nm', ['-C', obj], { encoding: 'utf8', env });
      t.equal(nm.status, 0, nm.stderr);
      const lines = nm.stdout.split('\n').filter(Boolean);
      const global = lines.filter((l) => / [TDBR] /.test(l)).map((l) => l.replace(/^\S+ \S /, ''));
      t.same(global, [`itersolve::kernels_${isa}()`], `${isa}: the only global symbol`);
      t.same(
        lines.filter((l) => / [WVuiw] /.test(l)),
        [],
        `${isa}: no weak or unique symbols`,
      );
      t.same(
        lines.filter((l) => / U /.test(l)),
        [],
        `${isa}: references nothing outside itself`,
      );
    }
  },
);
