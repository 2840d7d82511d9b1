// itersolve/queue without Redis (lib/queue): the codec round-trips every value kind through an
// in-memory store (typed arrays of each type, CsrMatrix / CscMatrix, nested options, results with
// history, NaN / ±Infinity / −0 / undefined); content hashing stores one A once; the registry
// covers every X / XSync pair of lib/index.ts or excludes it with a reason; submit validation gives
// the local call's very error; non-transferable arguments are named; requiring lib/index.ts loads
// neither bullmq nor lib/queue; ERR_UNAVAILABLE without bullmq. The client and worker then run end
// to end over an in-memory stand-in for bullmq and ioredis (setBullmqLoader): results bitwise equal
// to the local call, the worker's typed errors, cancel (waiting and running), signal, progress,
// the worker's matrix and preconditioner cache, close, and the `itersolve worker` command. The
// same client and worker against a real Redis with worker processes: test/ci/queue.test.ts.
import t from 'tap';
import type * as Lib from '../lib/index';
import type * as Queue from '../lib/queue/index';
import type { BlobStore } from '../lib/queue/codec';
import type { BullmqModule } from '../lib/queue/redis';
import { EventEmitter } from 'events';

// Required in this order (not imported, which would hoist): lib/index first, to see what it loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = require('../lib/index') as typeof Lib;
const loadedByIndex = Object.keys(require.cache).filter(
  (f) => /[\\/]lib[\\/]queue[\\/]/.test(f) || /[\\/]node_modules[\\/](bullmq|ioredis)[\\/]/.test(f),
);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const q = require('../lib/queue/index') as typeof Queue;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { main } = require('../lib/cli/index') as typeof import('../lib/cli/index');
// lib/queue (and the CLI) load bullmq only when a queue or a worker is made.
const bullmqAtRequire = Object.keys(require.cache).filter((f) =>
  /[\\/]node_modules[\\/](bullmq|ioredis)[\\/]/.test(f),
);

const { CsrMatrix, CscMatrix, ItersolveError, AbortError } = lib;

/** An in-memory BlobStore that counts writes. */
class MemStore implements BlobStore {
  map = new Map<string, Buffer>();
  puts = 0;
  touches = 0;
  async touch(key: string): Promise<boolean> {
    this.touches++;
    return this.map.has(key);
  }
  async put(key: string, bytes: Buffer): Promise<void> {
    this.puts++;
    this.map.set(key, Buffer.from(bytes));
  }
  async get(key: string): Promise<Buffer | null> {
    return this.map.get(key) ?? null;
  }
  async del(keys: string[]): Promise<void> {
    for (const k of keys) this.map.delete(k);
  }
  fetch = async (keys: string[]) => keys.map((k) => this.map.get(k) ?? null);
}

async function roundTrip(value: unknown, store = new MemStore()): Promise<unknown> {
  const e = q.encodeValue(value, 'args', q.contentKeys('itersolve:test'));
  // What travels in the job is JSON.
  const json = JSON.parse(JSON.stringify(e.data));
  await q.storeBlobs(store, e.blobs, 60_000);
  return q.decodeValue(json, store.fetch);
}

const bits = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const sameBits = (a: ArrayBufferView, b: ArrayBufferView) => bits(a).equals(bits(b));

function poisson(n: number) {
  return lib.poisson2d(n);
}

t.test('requiring lib/index loads neither bullmq nor lib/queue', async (t) => {
  t.same(loadedByIndex, []);
  t.same(bullmqAtRequire, [], 'nor does requiring lib/queue or the CLI');
});

t.test('codec: typed arrays of every type, special numbers, nested values', async (t) => {
  const arrays = [
    new Float64Array([1.5, -0, NaN, Infinity, -Infinity, 5e-324]),
    new Float32Array([1.25, -2, NaN]),
    new Int32Array([1, -2, 2147483647]),
    new Uint32Array([0, 4294967295]),
    new Int16Array([-32768, 7]),
    new Uint16Array([65535]),
    new Int8Array([-128, 127]),
    new Uint8Array([0, 255]),
    new Uint8ClampedArray([3, 250]),
    new BigInt64Array([-(2n ** 63n), 5n]),
    new BigUint64Array([2n ** 64n - 1n]),
    new Float64Array(0),
    new Float64Array(new SharedArrayBuffer(24)).fill(2.5),
    new Float64Array([9, 8, 7, 6]).subarray(1, 3),
  ];
  for (const a of arrays) {
    const r = (await roundTrip(a)) as ArrayBufferView;
    t.equal(r.constructor, a.constructor.name === 'Float64Array' ? Float64Array : a.constructor);
    t.ok(sameBits(r, a), `${a.constructor.name}(${(a as Float64Array).length}) bitwise`);
    t.not(r, a, 'a fresh array');
  }
  const nested = {
    rtol: 1e-10,
    weird: [NaN, -0, Infinity, -Infinity, undefined, null, true, 'x'],
    deep: { x0: new Float64Array([1, 2]), list: [{ k: new Int32Array([3]) }] },
    $dollar: { $ta: 'not a typed array' },
    big: 12n,
    nothing: undefined,
  };
  const r = (await roundTrip(nested)) as typeof nested;
  t.equal(r.rtol, 1e-10);
  t.ok(Number.isNaN(r.weird[0]));
  t.ok(Object.is(r.weird[1], -0));
  t.same(r.weird.slice(2), [Infinity, -Infinity, undefined, null, true, 'x']);
  t.ok(sameBits(r.deep.x0, nested.deep.x0));
  t.ok(sameBits(r.deep.list[0].k, nested.deep.list[0].k));
  t.same(r.$dollar, { $ta: 'not a typed array' }, "keys starting with '$' survive");
  t.equal(r.big, 12n);
  t.ok('nothing' in r && r.nothing === undefined, 'an undefined property stays');
});

t.test('codec: CsrMatrix / CscMatrix, and a result with history', async (t) => {
  const A = poisson(6);
  const B = new CsrMatrix(
    2,
    3,
    new Int32Array([0, 1, 3]),
    new Int32Array([2, 0, 1]),
    new Float64Array([1, 2, 3]),
  );
  const C = A.toCsc();
  const [A2, B2, C2] = (await roundTrip([A, B, C])) as [
    Lib.CsrMatrix,
    Lib.CsrMatrix,
    Lib.CscMatrix,
  ];
  t.ok(A2 instanceof CsrMatrix && C2 instanceof CscMatrix && B2 instanceof CsrMatrix);
  for (const [x, y] of [
    [A, A2],
    [B, B2],
  ] as const) {
    t.equal(y.rows, x.rows);
    t.equal(y.cols, x.cols);
    t.ok(
      sameBits(y.rowPtr, x.rowPtr) && sameBits(y.colIdx, x.colIdx) && sameBits(y.values, x.values),
    );
  }
  t.ok(
    sameBits(C2.colPtr, C.colPtr) && sameBits(C2.rowIdx, C.rowIdx) && sameBits(C2.values, C.values),
  );
  const b = new Float64Array(A.rows).fill(1);
  const res = await lib.cg(A, b, { history: true, rtol: 1e-12 });
  const back = (await roundTrip(res)) as Lib.SolveResult;
  t.same(Object.keys(back), Object.keys(res), 'the same fields, in order');
  t.ok(sameBits(back.x, res.x) && sameBits(back.history!, res.history!));
  t.equal(back.reason, res.reason);
  t.equal(back.iterations, res.iterations);
  // A matrix in a result (emd's plan) comes back a CsrMatrix too.
  const em = await lib.emd(
    new Float64Array([0.5, 0.5]),
    new Float64Array([0.5, 0.5]),
    new Float64Array([0, 1, 1, 0]),
  );
  const em2 = (await roundTrip(em)) as Lib.EmdResult;
  t.ok(em2.plan instanceof CsrMatrix && sameBits(em2.plan.values, em.plan.values));
});

t.test('codec: content hashing stores one A once; payloads missing or corrupt', async (t) => {
  const A = poisson(8);
  const store = new MemStore();
  const ns = 'itersolve:test';
  const e1 = q.encodeValue([A, new Float64Array(A.rows).fill(1)], 'args', q.contentKeys(ns));
  const e2 = q.encodeValue([A, new Float64Array(A.rows).fill(2)], 'args', q.contentKeys(ns));
  const k1 = (e1.data as { key: string }[])[0].key;
  t.equal((e2.data as { key: string }[])[0].key, k1, 'the same A gives the same key');
  t.match(k1, /^itersolve:test:mat:[0-9a-f]{64}$/);
  t.match((e1.data as { key: string }[])[1].key, /^itersolve:test:buf:[0-9a-f]{64}$/);
  const A3 = poisson(8);
  A3.values[0] += 1;
  const e3 = q.encodeValue(A3, 'A', q.contentKeys(ns));
  t.not((e3.data as { key: string }).key, k1, 'other values, another key');
  t.ok((await q.storeBlobs(store, e1.blobs, 1000)) > 0);
  const puts = store.puts;
  const written = await q.storeBlobs(store, e2.blobs, 1000);
  t.equal(store.puts, puts + 1, 'the second job uploads only its b');
  t.equal(written, A.rows * 8);
  t.equal(q.payloadKeys(e1.data).size, 2);
  // result keys are per job
  const r = q.encodeValue(
    { x: new Float64Array(2), y: new Float64Array(2) },
    'result',
    q.resultKeys(ns, 'j1'),
  );
  t.same([...q.payloadKeys(r.data)], [`${ns}:res:j1:0`, `${ns}:res:j1:1`]);
  // decoding a document whose payload expired
  await t.rejects(
    q.decodeValue(e1.data, async (k) => k.map(() => null)),
    {
      code: 'ERR_EXTERNAL',
      message: /missing/,
    },
  );
  await t.rejects(
    q.decodeValue(e1.data, async (k) => k.map(() => Buffer.alloc(3))),
    { code: 'ERR_EXTERNAL', message: /expected/ },
  );
  // a matrix payload with an index out of range is refused, not trusted
  const [matKey] = [...e1.blobs.keys()];
  const evil = Buffer.from(store.map.get(matKey)!);
  evil.writeInt32LE(1 << 30, (A.rows + 1) * 4); // colIdx[0]
  await t.rejects(
    q.decodeValue(e1.data, async (k) => k.map((x) => (x === matKey ? evil : store.map.get(x)!))),
    { code: 'ERR_INVALID_MATRIX', argument: 'colIdx' },
  );
  // decode cache: the matrix is decoded once and shared
  const cache = new q.LruCache(1 << 20);
  const d1 = (await q.decodeValue(e1.data, store.fetch, cache)) as unknown[];
  const d2 = (await q.decodeValue(e2.data, store.fetch, cache)) as unknown[];
  t.equal(d1[0], d2[0], 'one decoded A');
  t.not(d1[1], d2[1]);
  t.ok(cache.stats().hits >= 1);
  const small = new q.LruCache(100);
  small.set('a', 1, 60);
  small.set('b', 2, 60);
  t.equal(small.get('a'), undefined, 'least recently used evicted past maxBytes');
  t.equal(small.get('b'), 2);
  small.set('huge', 3, 1000);
  t.equal(small.get('huge'), undefined, 'larger than the budget: not kept');
  small.set('b', 4, 10);
  t.equal(small.get('b'), 4);
});

t.test('codec: what cannot travel is named', async (t) => {
  const A = poisson(4);
  const ns = q.contentKeys('x');
  const cases: [unknown, string, RegExp][] = [
    [
      { preconditioner: lib.Preconditioner.create(A, 'ic0') },
      'options.preconditioner',
      /Preconditioner object.*pass its kind \('ic0'\)/,
    ],
    [{ preconditioner: () => {} }, 'options.preconditioner', /a function/],
    [lib.aslinearoperator(A), 'options', /LinearOperator/],
    [{ oracle: lib.choleskySync(A) }, 'options.oracle', /factorisation/],
    [{ m: new Map() }, 'options.m', /Map object/],
    [{ d: new DataView(new ArrayBuffer(8)) }, 'options.d', /DataView/],
    [{ ab: new ArrayBuffer(8) }, 'options.ab', /raw ArrayBuffer/],
    [{ s: Symbol('s') }, 'options.s', /symbol/],
    [[1, [2, () => 3]], 'options[1][1]', /function/],
    [{ t: new lib.RelaxationTuner({ method: 'sor', seed: 1 }) }, 'options.t', /RelaxationTuner/],
    [{ sig: new AbortController().signal }, 'options.sig', /AbortSignal object/],
  ];
  for (const [value, argument, message] of cases)
    t.throws(
      () => q.encodeValue(value, 'options', ns),
      { code: 'ERR_INVALID_ARGUMENT', argument, message },
      argument,
    );
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  t.throws(() => q.encodeValue(loop, 'options', ns), {
    argument: 'options.self',
    message: /contains itself/,
  });
  // the same object twice is fine (not a cycle)
  const shared = new Float64Array(2);
  t.doesNotThrow(() => q.encodeValue({ a: shared, b: shared }, 'options', ns));
});

t.test(
  'registry: every X / XSync pair of lib/index is registered or excluded with a reason',
  async (t) => {
    const names = Object.keys(lib);
    const pairs = names.filter(
      (n) =>
        typeof (lib as Record<string, unknown>)[n] === 'function' && names.includes(`${n}Sync`),
    );
    pairs.push('solveBy'); // solveBy / solveSyncBy
    t.ok(pairs.length > 25);
    for (const n of pairs) {
      const reg = Object.prototype.hasOwnProperty.call(q.REGISTRY, n);
      const exc = Object.prototype.hasOwnProperty.call(q.EXCLUDED, n);
      t.ok(reg !== exc, `${n}: ${reg ? 'registered' : exc ? 'excluded' : 'MISSING'}`);
      if (exc) t.ok(q.EXCLUDED[n].length > 20, `${n}: a reason`);
    }
    for (const n of q.QUEUE_METHODS) {
      t.ok(pairs.includes(n), `${n} is a Promise-form entry point`);
      t.equal(typeof q.localMethod(n), 'function');
      const e = q.REGISTRY[n];
      t.equal(e.params[e.options], 'options', `${n}: the options parameter`);
      t.ok(e.dryRun.length > 20, `${n}: dry run audited`);
    }
    t.throws(() => q.methodEntry('cgg'), {
      code: 'ERR_INVALID_ARGUMENT',
      argument: 'method',
      message: /cg, bicgstab, gmres/,
    });
    t.throws(() => q.methodEntry(3), { argument: 'method', message: /received number/ });
  },
);

/** The local Promise form's rejection. */
async function localError(method: string, args: unknown[]): Promise<unknown> {
  try {
    await q.localMethod(method)(...args);
  } catch (e) {
    return e;
  }
  throw new Error(`${method}: no error`);
}

const fields = (e: unknown) => {
  const x = e as InstanceType<typeof ItersolveError>;
  return {
    name: x.name,
    code: x.code,
    argument: x.argument,
    message: x.message,
    column: x.column,
    row: x.row,
  };
};

// Bad inputs: [method, args]; each must give, at submit, exactly the local Promise form's error.
function badInputs(): [string, unknown[]][] {
  const A = poisson(5);
  const n = A.rows;
  const b = new Float64Array(n).fill(1);
  const rect = new CsrMatrix(
    2,
    3,
    new Int32Array([0, 1, 2]),
    new Int32Array([0, 1]),
    new Float64Array([1, 1]),
  );
  const X = { rows: 4, cols: 2, data: new Float64Array(8).fill(1) };
  const h = new Float64Array([0.5, 0.5]);
  return [
    ['cg', [A, new Float64Array(3)]],
    ['cg', [A, b, { rtol: -1 }]],
    ['cg', [A, b, { preconditioner: 'ic1' }]],
    ['gmres', [A, b, { restart: 0 }]],
    ['gmres', [A, b, { rtoll: 1 }]],
    ['minres', [rect, new Float64Array(2)]],
    ['solveBy', ['cgs', A, b]],
    ['cg', [A, b, { signal: 'nope' }]],
    ['cg', [A, b, { onProgress: 3 }]],
    ['spsolve', [A, new Float64Array(2)]],
    ['eigsh', [A, { k: 0 }]],
    ['powerIteration', [rect]],
    ['jacobi', [A, b, { omega: 3 }]],
    ['cgBatch', [A, new Float64Array(n + 1)]],
    ['sinkhorn', [h, h, new Float64Array(4), {}]],
    ['emd', [h, h, new Float64Array(3)]],
    ['wasserstein', [h, h, new Float64Array(4), { p: -1 }]],
    ['lasso', [X, new Float64Array(3), { lambda: 0.1 }]],
    ['nnls', [X, new Float64Array(4), { maxIterations: -1 }]],
    ['lassoPath', [X, new Float64Array(4), { nLambdas: 0 }]],
    ['proxBcd', [{}]],
    ['sketchSolve', [A, b, { sketch: 'nope' }]],
  ];
}

t.test('dry run: the local error for bad input; valid input passes without work', async (t) => {
  for (const [method, args] of badInputs()) {
    const local = await localError(method, args);
    t.ok(local instanceof ItersolveError, `${method}: local error ${fields(local).code}`);
    const thrown = await q.dryRun(method, args).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.same(fields(thrown), fields(local), `${method}: ${fields(local).message}`);
  }
  // valid input: nothing thrown, no native job started
  const A = poisson(20);
  const b = new Float64Array(A.rows).fill(1);
  const before = lib.info();
  t.equal(await q.dryRun('cg', [A, b]), undefined);
  t.equal(
    await q.dryRun('cg', [A, b, { preconditioner: 'ic0', signal: new AbortController().signal }]),
    undefined,
  );
  // A singular matrix passes the dry run: spsolve's factorisation only runs in the job.
  const S = new CsrMatrix(
    2,
    2,
    new Int32Array([0, 1, 1]),
    new Int32Array([0]),
    new Float64Array([1]),
  );
  t.equal(await q.dryRun('spsolve', [S, new Float64Array(2)]), undefined);
  t.equal(await q.dryRun('eigsh', [A, { k: 2, which: 'nearest', sigma: 0.5 }]), undefined);
  t.equal(
    await q.dryRun('wasserstein', [
      new Float64Array([1]),
      new Float64Array([1]),
      new Float64Array([0]),
    ]),
    undefined,
  );
  t.equal(lib.info().threads, before.threads);
});

// ---------------------------------------------------------------------------------------------
// An in-memory stand-in for bullmq and ioredis: enough of Queue / QueueEvents / Worker and of the
// client commands the queue uses, with JSON job data and string failure reasons as BullMQ keeps.

interface FakeJob {
  id: string;
  name: string;
  data: unknown;
  state: 'waiting' | 'active' | 'completed' | 'failed';
}

class FakeServer {
  keys = new Map<string, Buffer>();
  puts = new Map<string, number>();
  bus = new EventEmitter();
  queues = new Map<
    string,
    { jobs: Map<string, FakeJob>; waiting: string[]; events: EventEmitter; workers: FakeWorker[] }
  >();
  queue(name: string) {
    let s = this.queues.get(name);
    if (!s) {
      s = { jobs: new Map(), waiting: [], events: new EventEmitter(), workers: [] };
      this.queues.set(name, s);
    }
    return s;
  }
  failNextAdd = false;
  /** Jobs added to any queue. */
  added = 0;
  redis() {
    return fakeRedis(this);
  }
}

function fakeRedis(srv: FakeServer) {
  {
    const client = {
      getBuffer: async (k: string) => srv.keys.get(k) ?? null,
      mgetBuffer: async (...k: string[]) => k.map((x) => srv.keys.get(x) ?? null),
      set: async (k: string, v: Buffer | string) => {
        srv.keys.set(k, Buffer.from(v));
        srv.puts.set(k, (srv.puts.get(k) ?? 0) + 1);
        return 'OK';
      },
      pexpire: async (k: string) => (srv.keys.has(k) ? 1 : 0),
      exists: async (k: string) => (srv.keys.has(k) ? 1 : 0),
      del: async (...k: string[]) => {
        for (const x of k) srv.keys.delete(x);
        return k.length;
      },
      publish: async (ch: string, m: string) => {
        srv.bus.emit(ch, m);
        return 1;
      },
      xrevrange: async () => [],
      duplicate: () => {
        const subs: string[] = [];
        const em = new EventEmitter();
        const relay = (ch: string) => (m: string) => em.emit('message', ch, m);
        const relays = new Map<string, (m: string) => void>();
        return {
          subscribe: async (ch: string) => {
            subs.push(ch);
            relays.set(ch, relay(ch));
            srv.bus.on(ch, relays.get(ch)!);
          },
          on: (ev: string, fn: (...a: unknown[]) => void) => em.on(ev, fn),
          quit: async () => {
            for (const [ch, fn] of relays) srv.bus.off(ch, fn);
          },
          disconnect: () => {},
        };
      },
    };
    return client;
  }
}

class FakeWorker extends EventEmitter {
  active = new Set<Promise<void>>();
  closed = false;
  client: Promise<unknown>;
  constructor(
    readonly srv: FakeServer,
    readonly name: string,
    readonly processor: (job: unknown) => Promise<unknown>,
    readonly opts: Record<string, unknown>,
  ) {
    super();
    this.client = Promise.resolve(srv.redis());
    srv.queue(name).workers.push(this);
    setImmediate(() => this.pump());
  }
  pump() {
    const s = this.srv.queue(this.name);
    while (
      !this.closed &&
      this.active.size < (this.opts.concurrency as number) &&
      s.waiting.length > 0
    ) {
      const id = s.waiting.shift()!;
      const job = s.jobs.get(id)!;
      job.state = 'active';
      const handle = {
        id,
        name: job.name,
        data: job.data,
        updateProgress: async (p: unknown) => {
          s.events.emit('progress', { jobId: id, data: JSON.parse(JSON.stringify(p)) });
        },
      };
      const run = this.processor(handle).then(
        (rv) => {
          job.state = 'completed';
          this.emit('completed');
          s.events.emit('completed', { jobId: id, returnvalue: JSON.stringify(rv) });
        },
        (e: Error) => {
          job.state = 'failed';
          this.emit('failed');
          s.events.emit('failed', { jobId: id, failedReason: e.message });
        },
      );
      const p = run.finally(() => {
        this.active.delete(p);
        setImmediate(() => this.pump());
      });
      this.active.add(p);
    }
  }
  async waitUntilReady() {}
  async close() {
    this.closed = true;
    await Promise.all([...this.active]);
  }
}

function fakeBullmq(srv: FakeServer): BullmqModule {
  class Queue extends EventEmitter {
    client: Promise<unknown>;
    constructor(
      readonly name: string,
      opts: { connection: { host?: string } },
    ) {
      super();
      if (opts.connection.host === 'down') {
        // as ioredis: an 'error' event, then the connection's promise rejects
        this.client = new Promise((_, reject) =>
          setImmediate(() => {
            const e = new Error('connect ECONNREFUSED 127.0.0.1:1');
            this.emit('error', e);
            reject(e);
          }),
        );
        this.client.catch(() => {});
      } else this.client = Promise.resolve(srv.redis());
    }
    async add(name: string, data: unknown, opts: { jobId: string }) {
      if (srv.failNextAdd) {
        srv.failNextAdd = false;
        throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      }
      srv.added++;
      const s = srv.queue(this.name);
      s.jobs.set(opts.jobId, {
        id: opts.jobId,
        name,
        data: JSON.parse(JSON.stringify(data)),
        state: 'waiting',
      });
      s.waiting.push(opts.jobId);
      for (const w of s.workers) setImmediate(() => w.pump());
      return { id: opts.jobId };
    }
    async getJobState(id: string) {
      return srv.queue(this.name).jobs.get(id)?.state ?? 'unknown';
    }
    async remove(id: string) {
      const s = srv.queue(this.name);
      const j = s.jobs.get(id);
      if (j?.state === 'active') return 0;
      s.waiting = s.waiting.filter((x) => x !== id);
      s.jobs.delete(id);
      return 1;
    }
    async waitUntilReady() {}
    async close() {}
  }
  class QueueEvents extends EventEmitter {
    client = Promise.resolve(srv.redis());
    constructor(readonly name: string) {
      super();
      const ev = srv.queue(name).events;
      for (const e of ['completed', 'failed', 'progress']) ev.on(e, (a) => this.emit(e, a));
    }
    async waitUntilReady() {}
    async close() {}
  }
  return {
    Queue,
    QueueEvents,
    Worker: class extends FakeWorker {
      constructor(
        name: string,
        processor: (job: unknown) => Promise<unknown>,
        opts: Record<string, unknown>,
      ) {
        super(srv, name, processor, opts);
      }
    },
  } as unknown as BullmqModule;
}

t.test('ERR_UNAVAILABLE when bullmq cannot be loaded', async (t) => {
  q.setBullmqLoader(() => {
    throw Object.assign(new Error("Cannot find module 'bullmq'"), { code: 'MODULE_NOT_FOUND' });
  });
  t.teardown(() => q.setBullmqLoader());
  t.throws(() => new q.SolveQueue({ connection: 'redis://127.0.0.1:6379' }), {
    code: 'ERR_UNAVAILABLE',
    message: 'itersolve/queue needs the optional peer dependency bullmq: npm install bullmq',
    cause: { code: 'MODULE_NOT_FOUND' },
  });
  await t.rejects(q.startSolveWorker({ connection: 'redis://127.0.0.1:6379' }), {
    code: 'ERR_UNAVAILABLE',
  });
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['worker', '--redis', 'redis://127.0.0.1:6379'], {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
  });
  t.equal(code, 1);
  t.match(err.join(''), /needs the optional peer dependency bullmq/);
});

t.test('options of SolveQueue and startSolveWorker are checked', async (t) => {
  q.setBullmqLoader(() => fakeBullmq(new FakeServer()));
  t.teardown(() => q.setBullmqLoader());
  const bad: [unknown, string, RegExp][] = [
    [{ connection: 'redis://h', queuename: 'x' }, 'options.queuename', /no such option/],
    [{}, 'connection', /redis:\/\/ URL/],
    [{ connection: 'http://h' }, 'connection', /redis:\/\/ or rediss:\/\//],
    [{ connection: 'not a url' }, 'connection', /URL/],
    [{ connection: 'redis://h/x' }, 'connection', /db number/],
    [{ connection: 5 }, 'connection', /received 5/],
    [{ connection: 'redis://h', queueName: 'a:b' }, 'queueName', /letters, digits/],
    [{ connection: 'redis://h', prefix: '' }, 'prefix', /letters, digits/],
    [{ connection: 'redis://h', payloadTtlMs: 5 }, 'payloadTtlMs', /integer/],
    [3, 'options', /options object/],
  ];
  for (const [o, argument, message] of bad)
    t.throws(
      () => new q.SolveQueue(o as Queue.SolveQueueOptions),
      { code: 'ERR_INVALID_ARGUMENT', argument, message },
      argument,
    );
  await t.rejects(q.startSolveWorker({ connection: 'redis://h', concurrency: 0 }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'concurrency',
  });
  await t.rejects(
    q.startSolveWorker({
      connection: 'redis://h',
      cacheMb: 1,
    } as unknown as Queue.SolveWorkerOptions),
    {
      code: 'ERR_INVALID_ARGUMENT',
      argument: 'options.cacheMb',
    },
  );
  await t.rejects(q.startSolveWorker({} as Queue.SolveWorkerOptions), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'connection',
  });
  const s = new q.SolveQueue({
    connection: 'rediss://u:p%40ss@host:7000/3',
    queueName: 'n',
    prefix: 'p',
    payloadTtlMs: 5000,
  });
  t.equal(s.queueName, 'n');
  t.equal(s.prefix, 'p');
  await s.close();
  await s.close();
  await t.rejects(s.submit('cg').result(), { code: 'ERR_INVALID_ARGUMENT', message: /closed/ });
});

t.test('client and worker over the in-memory bullmq', async (t) => {
  const srv = new FakeServer();
  q.setBullmqLoader(() => fakeBullmq(srv));
  t.teardown(() => q.setBullmqLoader());
  const queueName = 'mem';
  const sq = new q.SolveQueue({ connection: { host: '127.0.0.1' }, queueName });
  t.teardown(() => sq.close());

  // Jobs submitted before any worker wait; cancelling one removes it.
  const A = poisson(12);
  const b = new Float64Array(A.rows).map((_, i) => Math.cos(i));
  const waiting = sq.submit('cg', A, b);
  t.match(waiting.id, /^[0-9a-f-]{36}$/);
  await waiting.cancel('changed my mind');
  await t.rejects(waiting.result(), {
    name: 'AbortError',
    code: 'ABORT_ERR',
    cause: 'changed my mind',
  });
  t.equal(
    ((await waiting.result().catch((e) => e)) as Lib.AbortError).result,
    undefined,
    'no partial result',
  );
  await waiting.cancel(); // settled: nothing to do

  const w = await q.startSolveWorker({
    connection: 'redis://127.0.0.1:6379',
    queueName,
    concurrency: 64,
    cacheBytes: 1 << 24,
  });
  t.equal(w.concurrency, lib.getThreads(), 'concurrency clamped to the compute pool');
  t.equal(w.stats().requestedConcurrency, 64);

  // bitwise the local result, for several methods and a preconditioner kind (built once, cached)
  for (const [method, args] of [
    ['cg', [A, b, { rtol: 1e-10, preconditioner: 'ic0' }]],
    ['cg', [A, b, { rtol: 1e-10, preconditioner: 'ic0' }]],
    ['gmres', [A, b, { restart: 5, history: true }]],
    ['solveBy', ['bicgstab', A, b]],
    ['spsolve', [A, b]],
    ['eigsh', [A, { k: 2 }]],
    [
      'emd',
      [
        new Float64Array([0.25, 0.75]),
        new Float64Array([0.5, 0.5]),
        new Float64Array([0, 1, 1, 0]),
      ],
    ],
  ] as [string, unknown[]][]) {
    const local = (await q.localMethod(method)(...args)) as Record<string, unknown>;
    const remote = (await sq.solve(method, ...args)) as Record<string, unknown>;
    t.same(Object.keys(remote), Object.keys(local), `${method}: the same fields`);
    for (const k of Object.keys(local)) {
      const l = local[k];
      const r = remote[k];
      if (k.endsWith('Ms')) continue; // timings: the worker's
      if (ArrayBuffer.isView(l))
        t.ok(r instanceof Float64Array && sameBits(r as Float64Array, l), `${method}.${k} bitwise`);
      else if (l instanceof CsrMatrix)
        t.ok(r instanceof CsrMatrix && sameBits((r as Lib.CsrMatrix).values, l.values));
      else t.same(r, l, `${method}.${k}`);
    }
  }
  const st = w.stats();
  t.ok(st.cache.hits >= 3, 'A decoded once, the ic0 preconditioner built once');
  t.equal(st.completed, 7);
  const matKeys = [...srv.puts.keys()].filter((k) => k.includes(':mat:'));
  t.equal(matKeys.length, 1, 'one A stored');
  t.equal(srv.puts.get(matKeys[0]), 1, 'and uploaded once');
  t.equal(
    [...srv.keys.keys()].filter((k) => k.includes(':res:')).length,
    0,
    'result keys deleted once read',
  );

  // `out`: filled with the result, and the result's x is the caller's array (as locally)
  const out = new Float64Array(A.rows);
  const withOut = await sq.solve<Lib.SolveResult>('cg', A, b, { out, rtol: 1e-10 });
  t.equal(withOut.x, out, "x is the caller's out");
  t.ok(sameBits(out, (await lib.cg(A, b, { rtol: 1e-10 })).x));

  // a burst of submits against one new A uploads it once
  const A4 = poisson(13);
  const matPuts = () =>
    [...srv.puts].filter(([k]) => k.includes(':mat:')).reduce((a, [, n]) => a + n, 0);
  const before4 = matPuts();
  const b4 = new Float64Array(A4.rows).fill(1);
  const burst = await Promise.all(
    Array.from({ length: 8 }, (_, k) =>
      sq.solve<Lib.SolveResult>(
        'cg',
        A4,
        b4.map((x) => x + k),
      ),
    ),
  );
  t.equal(burst.length, 8);
  t.equal(matPuts(), before4 + 1, 'A uploaded once for the burst');

  // the worker's typed errors: code, argument, column, message
  const S = new CsrMatrix(
    2,
    2,
    new Int32Array([0, 1, 1]),
    new Int32Array([0]),
    new Float64Array([1]),
  );
  const local = await localError('spsolve', [S, new Float64Array(2)]);
  const remote = await sq.solve('spsolve', S, new Float64Array(2)).catch((e) => e);
  t.ok(remote instanceof ItersolveError);
  t.same(fields(remote), fields(local), `worker error ${fields(local).code}`);
  // a zero pivot (row), also where the worker's preconditioner cache fails to build
  const Z = new CsrMatrix(
    2,
    2,
    new Int32Array([0, 2, 3]),
    new Int32Array([0, 1, 0]),
    new Float64Array([1, 1, 1]),
  );
  const ones = new Float64Array(2).fill(1);
  for (const [method, args] of [
    ['jacobi', [Z, ones]],
    ['cg', [Z, ones, { preconditioner: 'jacobi' }]],
  ] as [string, unknown[]][]) {
    const l = await localError(method, args);
    const r = await sq.solve(method, ...args).catch((e) => e);
    t.same(fields(r), fields(l), `${method}: ${fields(l).code} row ${fields(l).row}`);
  }
  // bad input: the job is never queued and its result rejects with the local error (the local
  // Promise form rejects the same way); solve rejects with it
  const added = srv.added;
  for (const [method, args] of badInputs().slice(0, 6)) {
    const l = await localError(method, args);
    const j = sq.submit(method, ...args);
    t.type(j.id, 'string');
    await t.rejects(j.result(), fields(l) as { code: string }, `submit ${method}`);
    await t.rejects(sq.solve(method, ...args), fields(l) as { code: string });
  }
  await t.rejects(sq.submit('cg', lib.aslinearoperator(A), b).result(), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'A',
    message: /LinearOperator/,
  });
  await t.rejects(
    sq
      .submit('cg', A, b, { preconditioner: (r: Float64Array, z: Float64Array) => z.set(r) })
      .result(),
    {
      code: 'ERR_INVALID_ARGUMENT',
      argument: 'options.preconditioner',
    },
  );
  await t.rejects(sq.submit('nope', A, b).result(), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'method',
  });
  // the local error wins over a transfer error: b is bad and A cannot travel
  await t.rejects(sq.submit('cg', lib.aslinearoperator(A), new Float64Array(1)).result(), {
    code: 'ERR_DIMENSION_MISMATCH',
  });
  t.equal(srv.added, added, 'no invalid job was queued');
  // cancelled while its arguments are being checked: never queued
  const early = sq.submit('cg', A, b);
  await early.cancel('early');
  await t.rejects(early.result(), { name: 'AbortError', cause: 'early' });
  t.equal(srv.added, added, 'the cancelled job was not queued');

  // running job: progress events, then cancel -> AbortError with the partial result
  const big = poisson(100); // Jacobi on it: thousands of iterations to converge
  const bb = new Float64Array(big.rows).fill(1);
  const running = sq.submit<Lib.SolveResult>('jacobi', big, bb, {
    rtol: 1e-15,
    maxIterations: 1e8,
  });
  const progress: Lib.Progress[] = [];
  await new Promise<void>((resolve) => {
    running.on('progress', (p) => {
      progress.push(p);
      if (progress.length === 2) resolve();
    });
  });
  t.ok(progress[1].iteration > 0 && progress[1].elapsedMs >= 0, 'progress objects');
  await running.cancel('enough');
  const ab = (await running.result().catch((e) => e)) as Lib.AbortError<Lib.SolveResult>;
  t.ok(ab instanceof AbortError);
  t.equal(ab.cause, 'enough');
  t.equal(ab.result?.reason, 'aborted');
  t.ok(ab.result!.x instanceof Float64Array && ab.result!.iterations > 0, 'the partial result');

  // signal and onProgress in the options
  const ac = new AbortController();
  const seen: Lib.Progress[] = [];
  const viaSignal = sq.solve<Lib.SolveResult>('jacobi', big, bb, {
    rtol: 1e-15,
    maxIterations: 1e8,
    signal: ac.signal,
    onProgress: (p: Lib.Progress) => {
      seen.push(p);
      ac.abort('signal');
    },
  });
  await t.rejects(viaSignal, {
    name: 'AbortError',
    cause: 'signal',
    result: { reason: 'aborted' },
  });
  t.ok(seen.length >= 1);
  const pre = new AbortController();
  pre.abort('early');
  await t.rejects(sq.solve('cg', A, b, { signal: pre.signal }), {
    name: 'AbortError',
    cause: 'early',
    result: undefined,
  });

  // a cancel flag set before the worker takes the job: aborted at once, without a result
  const flagged = sq.submit('cg', A, b);
  const r = srv.redis();
  await r.set(`itersolve:${queueName}:cancel:${flagged.id}`, '1');
  await t.rejects(flagged.result(), { code: 'ABORT_ERR', result: undefined });

  // failures that are not ItersolveErrors, and BullMQ's own reasons, are ERR_EXTERNAL
  const sq2 = sq as unknown as {
    failed(id: string, reason: string): Promise<void>;
    jobs: Map<string, unknown>;
  };
  const j2 = sq.submit('cg', A, b);
  sq2.jobs.set(j2.id, sq2.jobs.get(j2.id)); // still pending until one of the events below
  await sq2.failed(j2.id, 'job stalled more than allowable limit');
  await t.rejects(j2.result(), { code: 'ERR_EXTERNAL', message: /stalled/ });
  t.same(q.parseErrorWire('{not json'), undefined);
  t.same(q.errorToWire(new TypeError('boom')), {
    $itersolve: 1,
    code: 'ERR_EXTERNAL',
    message: 'worker: boom',
  });
  t.same(
    fields(q.errorFromWire({ $itersolve: 1, code: 'ERR_WHAT', message: 'm' })).code,
    'ERR_EXTERNAL',
  );
  // a job whose method the worker does not know, or not ours
  const s = srv.queue(queueName);
  const rogue = 'rogue-1';
  s.jobs.set(rogue, { id: rogue, name: 'x', data: { v: 2 }, state: 'waiting' });
  const rogueFailed = new Promise((res) => s.events.once('failed', res));
  s.waiting.push(rogue);
  for (const x of s.workers) x.pump();
  t.match(await rogueFailed, { jobId: rogue, failedReason: /not an itersolve\/queue job/ });

  // Redis unreachable: ERR_EXTERNAL with the cause, from the client and from a worker
  const down = new q.SolveQueue({ connection: { host: 'down' }, queueName });
  await t.rejects(down.solve('cg', A, b), {
    code: 'ERR_EXTERNAL',
    message: /connecting to Redis: connect ECONNREFUSED/,
    cause: Error,
  });
  await down.close();
  await t.rejects(q.startSolveWorker({ connection: { host: 'down' }, queueName }), {
    code: 'ERR_EXTERNAL',
    message: /worker: connecting to Redis/,
  });
  // Redis failing while cancelling: cancel() rejects with ERR_EXTERNAL, the job with AbortError
  // (on a queue no worker serves, so the job is surely still waiting when cancel() runs)
  const idle = new q.SolveQueue({
    connection: { host: '127.0.0.1' },
    queueName: `${queueName}-idle`,
  });
  const queued = srv.added;
  const unlucky = idle.submit('cg', A, b);
  while (srv.added === queued) await new Promise((res) => setImmediate(res));
  const owner = idle as unknown as { queue: { getJobState(id: string): Promise<string> } };
  owner.queue.getJobState = async () => {
    throw new Error('connection lost');
  };
  await t.rejects(unlucky.cancel('stop'), {
    code: 'ERR_EXTERNAL',
    message: /cancelling.*connection lost/,
  });
  await t.rejects(unlucky.result(), { name: 'AbortError', cause: 'stop' });
  await idle.close();

  // Redis failing while adding: ERR_EXTERNAL with the cause
  srv.failNextAdd = true;
  await t.rejects(sq.solve('cg', A, b), {
    code: 'ERR_EXTERNAL',
    message: /adding the job.*ECONNREFUSED/,
    cause: Error,
  });

  // close(): a pending job rejects; the worker lets its running job finish
  const slow = sq.submit<Lib.SolveResult>('jacobi', big, bb, { rtol: 0, maxIterations: 1500 });
  await new Promise<void>((res) => slow.on('progress', () => res()));
  await w.close();
  const done = await slow.result();
  t.equal(done.iterations, 1500, 'the running job finished before close() resolved');
  const orphan = sq.submit('cg', A, b);
  await new Promise((res) => setImmediate(res));
  await sq.close();
  await t.rejects(orphan.result(), { code: 'ERR_EXTERNAL', message: /closed/ });
});

t.test(
  'a built preconditioner gives bitwise the iterates of its kind (the worker cache)',
  async (t) => {
    const A = poisson(10);
    const b = new Float64Array(A.rows).map((_, i) => Math.sin(i + 1));
    const B = new Float64Array(A.rows * 2).map((_, i) => Math.cos(i));
    for (const kind of ['jacobi', 'ssor', 'ic0', 'ilu0'] as const) {
      const P = lib.Preconditioner.create(A, kind);
      for (const m of [
        'cg',
        'bicgstab',
        'gmres',
        'minres',
        'gcrotmk',
        'conjugateDirection',
      ] as const) {
        const key = m === 'conjugateDirection' ? 'oracle' : 'preconditioner';
        const r1 = (await q.localMethod(m)(A, b, { [key]: kind, rtol: 1e-10 })) as Lib.SolveResult;
        const r2 = (await q.localMethod(m)(A, b, { [key]: P, rtol: 1e-10 })) as Lib.SolveResult;
        t.ok(sameBits(r1.x, r2.x) && r1.iterations === r2.iterations, `${m} ${kind}`);
      }
      const c1 = await lib.cgBatch(A, B, { preconditioner: kind });
      const c2 = await lib.cgBatch(A, B, { preconditioner: P });
      t.ok(sameBits(c1.x, c2.x), `cgBatch ${kind}`);
    }
  },
);

t.test('itersolve worker: usage, ready line, stop on abort', async (t) => {
  const srv = new FakeServer();
  q.setBullmqLoader(() => fakeBullmq(srv));
  t.teardown(() => q.setBullmqLoader());
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    };
  };
  const u = io();
  t.equal(await main(['worker'], u), 2);
  t.match(u.err.join(''), /option '--redis' is required/);
  t.equal(await main(['worker', '--redis', 'redis://h', '--concurrency', '0'], io()), 2);
  t.equal(await main(['worker', '--redis', 'redis://h', '--bogus'], io()), 2);
  const help = io();
  await main(['--help'], help);
  t.match(help.out.join(''), /^ {2}worker --redis URL/m);
  const ac = new AbortController();
  const r = io();
  const run = main(
    [
      'worker',
      '--redis',
      'redis://u:secret@127.0.0.1:6390',
      '--queue',
      'cli',
      '--concurrency',
      '1',
      '--cache-mb',
      '1',
      '--prefix',
      'pp',
      '--lock-ms',
      '5000',
      '--stalled-ms',
      '5000',
      '--threads',
      '1',
    ],
    { ...r, signal: ac.signal },
  );
  while (!r.out.join('').includes('itersolve worker: queue'))
    await new Promise((res) => setTimeout(res, 5));
  t.equal(r.out[0], 'itersolve worker: queue cli on redis://u:***@127.0.0.1:6390, concurrency 1\n');
  ac.abort();
  t.equal(await run, 0);
  t.match(r.out.join(''), /stopped; 0 jobs completed, 0 failed/);
  // already aborted: starts, then stops at once
  const r2 = io();
  t.equal(
    await main(['worker', '--redis', 'redis://127.0.0.1', '--concurrency', '99'], {
      ...r2,
      signal: AbortSignal.abort(),
    }),
    0,
  );
  t.match(r2.out[0], /asked 99; the compute pool has \d+ threads/);
});
