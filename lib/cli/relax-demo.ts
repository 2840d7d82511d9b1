/**
 * `itersolve relax-demo`: issue 9 §3's heat equation with time-varying diffusion (lib/relax/heat.ts,
 * n = 99² unknowns, one SPD system per time step), each step solved by SSOR-PCG to rtol 1e-8 from
 * the previous step's solution, with ω chosen by: the learned tuners (Tsallis-INF; per-κ-bin
 * Tsallis-INF; Chebyshev contextual, context κ), each fixed ω in {1, 1.3, 1.5, 1.75, 1.95}, and
 * Young's ω* per step (optimalSorOmega); and unpreconditioned CG. Prints the total iterations and
 * time of each and their ratio to the best fixed ω; --plot writes per-step iterations (moving
 * average) of every strategy as an SVG.
 */
import * as fs from 'fs';
import { getThreads, ItersolveError } from '../index';
import { convergencePlotSvg } from '../plot';
import { ProgressBar } from '../progress';
import { runHeat } from '../relax/heat';
import type { HeatRunResult, HeatStrategy } from '../relax/heat';
import { RelaxationTuner } from '../relax/tuner';
import { JSON_FLAG, numFlag, parseArgs, strFlag, THREADS } from './args';
import type { FlagTable } from './args';
import { errorJson, EXIT, withThreads } from './common';
import type { CommandIO } from './common';
import { fmtInt, fmtTime, Out, writeJson } from './format';
import { checkWritable } from './solve';

export const RELAX_DEMO_USAGE = `  relax-demo [--steps N] [--plot FILE] [--json] [--threads N]
                             heat equation with time-varying diffusion (99^2 unknowns,
                             default 5000 Crank-Nicolson steps), each step by SSOR-PCG:
                             learned omega (tuners) vs fixed omegas, optimalSorOmega and CG`;

const FLAGS: FlagTable = {
  '--steps': { kind: 'int', min: 1, max: 1000000 },
  '--plot': { kind: 'path' },
  '--json': JSON_FLAG,
  '--threads': THREADS,
};

/** The fixed ω of the comparison (the paper's). */
export const FIXED_OMEGAS = [1, 1.3, 1.5, 1.75, 1.95] as const;
/** κ(t) ∈ [0, 10]: the contextual tuners' range. */
const KAPPA_RANGE: [number, number] = [0, 10];

interface Entry {
  label: string;
  kind: 'tuner' | 'fixed' | 'optimal' | 'cg';
  make: () => HeatStrategy;
}

/** Every strategy of the demo, in the order run (each tuner fresh, seed 0). */
export function relaxDemoStrategies(): Entry[] {
  const tuner = (
    label: string,
    context?: ConstructorParameters<typeof RelaxationTuner>[0]['context'],
  ): Entry => ({
    label,
    kind: 'tuner',
    make: () => ({
      tuner: new RelaxationTuner({ method: 'ssor-pcg', seed: 0, context }),
      label,
      context: context !== undefined,
    }),
  });
  return [
    ...FIXED_OMEGAS.map((w) => ({ label: `ω = ${w}`, kind: 'fixed' as const, make: () => w })),
    { label: 'optimalSorOmega', kind: 'optimal', make: () => 'optimal' },
    tuner('Tsallis-INF'),
    tuner('Tsallis-INF, κ bins', { kind: 'bins', range: KAPPA_RANGE, bins: 6 }),
    tuner('Chebyshev CB, κ', { kind: 'chebyshev', range: KAPPA_RANGE }),
    { label: 'cg (no preconditioner)', kind: 'cg', make: () => 'cg' },
  ];
}

/** Centred moving average over `w` points (shorter at the ends). */
export function movingAverage(x: ArrayLike<number>, w: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  const h = Math.floor(w / 2);
  const pre = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) pre[i + 1] = pre[i] + x[i];
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - h);
    const hi = Math.min(n, i - h + w);
    out[i] = (pre[hi] - pre[lo]) / (hi - lo);
  }
  return out;
}

export async function cmdRelaxDemo(args: string[], io: CommandIO): Promise<number> {
  const p = parseArgs('relax-demo', args, FLAGS, 0);
  const steps = numFlag(p, '--steps') ?? 5000;
  const plotFile = strFlag(p, '--plot');
  const json = p.flags.has('--json');
  const threads = numFlag(p, '--threads');
  if (plotFile !== undefined) checkWritable('--plot', plotFile);
  return withThreads(threads, async () => {
    const list = relaxDemoStrategies();
    const bar = new ProgressBar(io.stderr, 'relax-demo', { enabled: io.isTTY });
    const runs: Array<HeatRunResult & { kind: Entry['kind'] }> = [];
    try {
      for (let s = 0; s < list.length; s++) {
        const e = list[s];
        bar.setLabel(`relax-demo ${s + 1}/${list.length} ${e.label}`);
        const r = await runHeat({
          steps,
          strategy: e.make(),
          signal: io.signal,
          onStep: (q) =>
            bar.update(
              (s + (q.step + 1) / steps) / list.length,
              `step ${fmtInt(q.step + 1)}/${fmtInt(steps)}, κ ${q.kappa.toFixed(2)}, ${q.iterations} its`,
            ),
        });
        runs.push({ ...r, label: e.label, kind: e.kind });
      }
    } finally {
      bar.done();
    }

    const fixed = runs.filter((r) => r.kind === 'fixed');
    const best = fixed.reduce((a, b) => (b.totalIterations < a.totalIterations ? b : a));
    const n = runs[0].n;

    // The plot: per-step iterations, moving average over ~1 % of the run.
    let plotError: ItersolveError | undefined;
    const window = Math.max(1, Math.round(steps / 100));
    if (plotFile !== undefined) {
      try {
        const svg = convergencePlotSvg(
          runs.map((r) => ({ label: r.label, values: movingAverage(r.iterations, window) })),
          {
            title: `heat equation, n = ${fmtInt(n)}, ${fmtInt(steps)} steps: iterations per step`,
            xLabel: 'time step',
            yLabel: window > 1 ? `iterations (moving average over ${window} steps)` : 'iterations',
          },
        );
        fs.writeFileSync(plotFile, svg);
      } catch (e) {
        plotError = new ItersolveError(
          'ERR_IO',
          `option '--plot': cannot write '${plotFile}': ${e instanceof Error ? e.message : String(e)} (the runs themselves finished)`,
          { argument: '--plot', cause: e },
        );
      }
    }

    const rows = runs.map((r) => ({
      strategy: r.label,
      kind: r.kind,
      totalIterations: r.totalIterations,
      elapsedMs: r.elapsedMs,
      omegaMs: r.omegaMs,
      oracleCalls: r.oracleCalls,
      meanOmega: r.kind === 'cg' ? null : mean(r.omegas),
      notConverged: r.notConverged,
      iterationRatio: r.totalIterations / best.totalIterations,
      timeRatio: r.elapsedMs / best.elapsedMs,
    }));
    if (json) {
      writeJson(io.stdout, {
        problem: 'heat equation, Crank-Nicolson, time-varying diffusion (issue 9 §3)',
        nx: 100,
        n,
        steps,
        dt: 1e-3,
        rtol: 1e-8,
        threads: getThreads(),
        bestFixed: best.label,
        strategies: rows,
        plot: plotFile ?? null,
        ...(plotError ? { error: errorJson(plotError) } : {}),
      });
    } else {
      const out = new Out(io.stdout);
      out.line(
        `itersolve relax-demo: heat equation, ${fmtInt(n)} unknowns, ${fmtInt(steps)} Crank-Nicolson steps (dt 1e-3), ` +
          `each by SSOR-PCG to rtol 1e-8 from the previous u (${getThreads()} thread${getThreads() === 1 ? '' : 's'})`,
      );
      const head = [
        'strategy',
        'iterations',
        'time',
        'choosing ω',
        'mean ω',
        'iters / best',
        'time / best',
      ];
      const cells = rows.map((r) => [
        r.strategy,
        fmtInt(r.totalIterations) + (r.notConverged ? ` (${r.notConverged} unconverged)` : ''),
        fmtTime(r.elapsedMs),
        r.kind === 'fixed' || r.kind === 'cg' ? '-' : fmtTime(r.omegaMs),
        r.meanOmega === null ? '-' : r.meanOmega.toFixed(3),
        r.iterationRatio.toFixed(3),
        r.timeRatio.toFixed(3),
      ]);
      const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
      const line = (c: string[]): string =>
        c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
      out.line();
      out.line(`  ${line(head)}`);
      for (const c of cells) out.line(`  ${line(c)}`);
      out.line();
      out.line(`  best fixed ω: ${best.label} (ratios are to it)`);
      out.line(
        "  time: the whole run (assembly, choosing ω, solves); choosing ω: the tuner's suggest +" +
          ' observe, or optimalSorOmega (Lanczos) once per distinct κ' +
          ` (${fmtInt(runs.find((r) => r.kind === 'optimal')?.oracleCalls ?? 0)} runs)`,
      );
      if (plotFile !== undefined)
        out.line(
          plotError
            ? `  plot: ${plotFile} NOT written (error below)`
            : `  plot: ${plotFile} (iterations per step${window > 1 ? `, moving average over ${window} steps` : ''})`,
        );
    }
    if (plotError) {
      io.stderr.write(`itersolve: ${plotError.message}\n`);
      return EXIT.outputFailed;
    }
    return EXIT.ok;
  });
}

function mean(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}
