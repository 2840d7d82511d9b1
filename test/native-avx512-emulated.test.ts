// The AVX-512 kernels cannot run on a CPU without AVX-512 (like this CI machine), so their logic
// is checked here by compiling the AVX-512 translation unit against a scalar emulation of the
// intrinsics it uses (bench/native/emu/immintrin.h) and running the harness's correctness
// checks: every table (scalar, avx2, avx512-emulated) against a naive reference on random and
// edge-case matrices, with guard pages after every array. On an AVX-512 machine the real
// instructions are covered by test/kernels.test.ts as well.
import { spawnSync } from 'child_process';
import * as path from 'path';
import t from 'tap';

const root = path.join(__dirname, '..');

t.test(
  'AVX-512 kernel logic (emulated) agrees with the reference',
  { skip: process.arch !== 'x64' ? 'x86-64 only' : false },
  async (t) => {
    const env = { ...process.env, LD_PRELOAD: '' }; // see test/ci/fuzz-native.test.ts
    const build = spawnSync('bash', [path.join(root, 'bench', 'native', 'build.sh'), 'emu'], {
      encoding: 'utf8',
      cwd: root,
      env,
    });
    t.equal(build.status, 0, build.stderr);
    const bin = path.join(root, 'bench', 'out', 'native', 'spmv_bench_emu');
    const run = spawnSync(bin, ['--no-perf'], { encoding: 'utf8', cwd: root, env });
    t.equal(run.status, 0, run.stderr);
    t.match(run.stdout, /avx512\(emu\)/, 'the emulated AVX-512 table was checked');
    const m = /(\d+) checks, (\d+) failures/.exec(run.stdout);
    t.ok(m, run.stdout);
    if (m) {
      t.ok(Number(m[1]) > 1000, `${m[1]} checks`);
      t.equal(Number(m[2]), 0, 'no failures');
    }
  },
);
