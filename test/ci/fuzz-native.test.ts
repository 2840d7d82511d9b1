// CI-only (.ci/run runs it as its own step, after the asan step; not part of `npm test`, which it
// would slow by minutes): `npx tap --disable-coverage --timeout=840 test/ci/fuzz-native.test.ts`
// (the core compiled under ASan takes longer than .taprc's 300 s per file on 2 cores). When
// build-asan/ holds a sanitizer build (npm run build:asan, as .ci/run's asan step leaves it),
// fuzz/build.sh links its core objects instead of compiling the core again; alone in a clean
// clone it compiles the core itself.
// Builds the native fuzz targets (Matrix Market parser, CSR validator, optimal transport,
// coordinate descent, direct factorisations) under
// ASan + UBSan and runs each for a few seconds after replaying its seed corpus: libFuzzer when
// clang is present, otherwise the g++ driver in fuzz/standalone_main.cpp (random mutation, no coverage feedback).
// Longer campaigns: `FUZZ_SECONDS=600 bash fuzz/build.sh`.
import { spawnSync } from 'child_process';
import * as path from 'path';
import t from 'tap';

const root = path.join(__dirname, '..', '..');

t.test('native fuzz targets: zero crashes', { timeout: 600000 }, async (t) => {
  const r = spawnSync('bash', [path.join(root, 'fuzz', 'build.sh')], {
    cwd: root,
    encoding: 'utf8',
    // LD_PRELOAD is cleared: under npm run test:asan it holds GCC's sanitizer runtimes, which must
    // not leak into the compilers and the (separately instrumented) fuzz binaries.
    env: {
      ...process.env,
      LD_PRELOAD: '',
      FUZZ_SECONDS: process.env.FUZZ_SECONDS ?? '5',
      FUZZ_SEED: '1',
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  t.equal(
    r.status,
    0,
    out
      .split('\n')
      .filter((l) => /ERROR|SUMMARY|error|\[fuzz\]/.test(l))
      .join('\n'),
  );
  t.match(out, /\[fuzz\] mmio: /, 'parser target ran');
  t.match(out, /\[fuzz\] csr: /, 'CSR target ran');
  t.match(out, /\[fuzz\] ot: /, 'optimal-transport target ran');
  t.match(out, /\[fuzz\] bcd: /, 'coordinate-descent target ran');
  t.match(out, /\[fuzz\] direct: /, 'direct-solver target ran');
  t.match(out, /\[fuzz\] OK/);
  t.notMatch(out, /AddressSanitizer|runtime error:/, 'no sanitizer report');
});
