/** `itersolve info`: version, SIMD path, threads, Node-API version, platform. */
import { info } from '../index';
import { JSON_FLAG, parseArgs } from './args';
import { EXIT } from './common';
import type { CommandIO } from './common';
import { Out, writeJson } from './format';

export const INFO_USAGE = `  info [--json]              version, SIMD path, threads, Node-API version, platform`;

export function cmdInfo(args: string[], io: Pick<CommandIO, 'stdout'>): number {
  const p = parseArgs('info', args, { '--json': JSON_FLAG }, 0);
  const i = info();
  const nodeNapi = Number(process.versions.napi);
  if (p.flags.has('--json')) {
    writeJson(io.stdout, {
      ...i,
      nodeNapiVersion: nodeNapi,
      platform: process.platform,
      arch: process.arch,
      node: process.version,
    });
    return EXIT.ok;
  }
  const out = new Out(io.stdout);
  out.line(`itersolve ${i.version}`);
  out.row(
    'simd',
    `${i.simd} (detected ${i.simdDetected}; supported: ${i.simdSupported.join(', ')})`,
    '  ',
  );
  out.row('threads', `${i.threads} (default ${i.defaultThreads})`, '  ');
  out.row('node-api', `${i.napiVersion} (addon), node supports ${nodeNapi}`, '  ');
  out.row('platform', `${process.platform}-${process.arch}, node ${process.version}`, '  ');
  return EXIT.ok;
}
