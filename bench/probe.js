'use strict';
/**
 * Shared measuring helpers for bench suites (not a suite itself).
 *
 *  - timeRuns(fn, { warmup, runs }): calls fn() warmup times untimed, then `runs` times timed
 *    one by one with process.hrtime.bigint(); returns { bestMs, medianMs, meanMs, runs, timesMs }.
 *  - ReadProbe: STREAM-style read-bandwidth probe measured in this process with the addon's SIMD
 *    `sum` kernel over a large Float64Array (default 256 MiB, non-zero data), at the thread
 *    count currently set with setThreads. GB/s = bytes / best time (1 GB = 1e9 B).
 *
 * Run directly (`node bench/probe.js [MiB]`) to print the probe alone.
 */

function nowNs() {
  return process.hrtime.bigint();
}

function summarize(timesMs) {
  const s = [...timesMs].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return {
    bestMs: s[0],
    medianMs: median,
    meanMs: s.reduce((a, b) => a + b, 0) / n,
    runs: n,
  };
}

function timeRuns(fn, { warmup = 3, runs = 20 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const timesMs = new Array(runs);
  for (let i = 0; i < runs; i++) {
    const t = nowNs();
    fn();
    timesMs[i] = Number(nowNs() - t) / 1e6;
  }
  return { ...summarize(timesMs), timesMs };
}

class ReadProbe {
  /** @param native the addon (dist/cjs/native.js native()) @param mib array size in MiB (≥ 256 for the suite) */
  constructor(native, mib = 256) {
    this.native = native;
    this.length = Math.floor((mib * 2 ** 20) / 8);
    this.bytes = this.length * 8;
    this.x = new Float64Array(this.length);
    // Non-zero data, and every page touched now so no run pays first-touch page faults.
    const x = this.x;
    for (let i = 0; i < x.length; i++) x[i] = 1 + (i & 7) * 0.125;
    this.expected = native.sum(x);
  }

  /** Best-of-`runs` read bandwidth at the current setThreads count. */
  measure({ runs = 10, warmup = 1 } = {}) {
    const { native, x } = this;
    let sink = 0;
    const r = timeRuns(() => (sink += native.sum(x)), { warmup, runs });
    if (!Number.isFinite(sink)) throw new Error('probe: non-finite sum');
    return {
      bytes: this.bytes,
      mib: this.bytes / 2 ** 20,
      bestMs: r.bestMs,
      medianMs: r.medianMs,
      runs: r.runs,
      gbps: this.bytes / (r.bestMs * 1e-3) / 1e9,
      timesMs: r.timesMs,
    };
  }

  release() {
    this.x = null;
  }
}

module.exports = { timeRuns, summarize, ReadProbe };

if (require.main === module) {
  const path = require('path');
  const os = require('os');
  const mib = Number(process.argv[2] || 256);
  let nat;
  try {
    nat = require(path.join(__dirname, '..', 'dist', 'cjs', 'native.js')).native();
  } catch (e) {
    console.error(
      `probe: cannot load dist/cjs + addon (${e.message}); build first (see bench/README.md)`,
    );
    process.exit(2);
  }
  const probe = new ReadProbe(nat, mib);
  const all =
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const prev = nat.getThreads();
  for (const t of all > 1 ? [1, all] : [1]) {
    nat.setThreads(t);
    const r = probe.measure({ runs: 10 });
    console.log(
      `read probe ${r.mib} MiB, ${t} thread(s): best ${r.bestMs.toFixed(3)} ms, ${r.gbps.toFixed(1)} GB/s`,
    );
  }
  nat.setThreads(prev);
}
