/**
 * The wire format of itersolve/queue: a solve's arguments (and a worker's result) as a JSON
 * document plus binary payloads. Every typed array becomes `{ $ta: 'Float64Array', key,
 * byteLength }` and every CsrMatrix / CscMatrix `{ $csr | $csc: sha256, key, rows, cols, nnz }`;
 * the bytes live in Redis string keys (`<prefix>:<queue>:buf:<sha256>` and `…:mat:<sha256>` for
 * arguments, content-addressed so the same A is stored once; `…:res:<jobId>:<i>` for a result).
 * Numbers that JSON cannot carry (NaN, ±Infinity, −0) and undefined are tagged, so a value comes
 * back as it went. No number arrays or base64 in the JSON.
 *
 * Encoding is synchronous and pure (it also rejects what cannot travel, naming the argument
 * path); storing and fetching the payloads goes through the small BlobStore interface, so the
 * codec runs against an in-memory store in tests and against Redis in the client and worker.
 */
import { createHash } from 'crypto';
import { CscMatrix } from '../csc';
import { CsrMatrix } from '../csr';
import { AbortError, ERROR_CODES, ItersolveError } from '../errors';
import type { ItersolveErrorCode } from '../errors';
import { isLinearOperator } from '../operator';
import { FACTOR_HANDLE, Preconditioner } from '../preconditioner';
import { RelaxationTuner } from '../relax/tuner';
import { describe } from '../validate';

/**
 * Where payloads are kept: Redis string keys with an expiry (or a Map, in tests).
 * @internal
 */
export interface BlobStore {
  /** Refreshes the key's expiry; resolves true when the key exists (then it is not rewritten). */
  touch(key: string, ttlMs: number): Promise<boolean>;
  /** Writes the key with an expiry of ttlMs. */
  put(key: string, bytes: Buffer, ttlMs: number): Promise<void>;
  /** The key's bytes, or null when it does not exist (expired). */
  get(key: string): Promise<Buffer | null>;
  /** Deletes the keys. */
  del(keys: string[]): Promise<void>;
}

/**
 * Names the payload keys of one encoding: content-addressed (arguments) or per job (results).
 * @internal
 */
export type KeyNamer = (kind: 'buf' | 'mat', hash: string) => string;

/** @internal */
export function contentKeys(namespace: string): KeyNamer {
  return (kind, hash) => `${namespace}:${kind}:${hash}`;
}

/** @internal */
export function resultKeys(namespace: string, jobId: string): KeyNamer {
  let i = 0;
  return () => `${namespace}:res:${jobId}:${i++}`;
}

/**
 * An encoded value: the JSON-able document and the payloads it references (key -> bytes).
 * @internal
 */
export interface Encoded {
  data: unknown;
  blobs: Map<string, Buffer>;
}

const TYPED = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedName = keyof typeof TYPED;
type Typed = InstanceType<(typeof TYPED)[TypedName]>;

function typedName(v: ArrayBufferView): TypedName | undefined {
  const name = (v as object).constructor?.name;
  return name !== undefined &&
    Object.prototype.hasOwnProperty.call(TYPED, name) &&
    v instanceof TYPED[name as TypedName]
    ? (name as TypedName)
    : undefined;
}

function bytesOf(v: ArrayBufferView): Buffer {
  return Buffer.from(v.buffer as ArrayBuffer, v.byteOffset, v.byteLength);
}

function sha256(parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** A matrix's payload: its three arrays back to back (pointers, indices, values). */
function matrixParts(M: CsrMatrix | CscMatrix): [string, Buffer[]] {
  const csr = M instanceof CsrMatrix;
  const ptr = csr ? M.rowPtr : (M as CscMatrix).colPtr;
  const idx = csr ? M.colIdx : (M as CscMatrix).rowIdx;
  const nnz = ptr[ptr.length - 1];
  // A matrix's arrays may be longer than its nnz (the constructor checks only what it reads).
  const header = `${csr ? 'csr' : 'csc'}:${M.rows}x${M.cols}:${nnz}:`;
  return [
    header,
    [bytesOf(ptr), bytesOf(idx.subarray(0, nnz)), bytesOf(M.values.subarray(0, nnz))],
  ];
}

function cannotSend(path: string, what: string, instead?: string): ItersolveError {
  return new ItersolveError(
    'ERR_INVALID_ARGUMENT',
    `${path}: ${what} cannot be sent to a worker${instead ? `; ${instead}` : ''}`,
    { argument: path },
  );
}

const NUMBER_TAGS: Record<string, number> = {
  NaN: NaN,
  Infinity: Infinity,
  '-Infinity': -Infinity,
  '-0': -0,
};

/**
 * Encodes `value` (an argument list, an options object, a result): throws ItersolveError
 * ERR_INVALID_ARGUMENT naming the path (`options.preconditioner`) of anything that cannot travel
 * (functions, operators, built preconditioners and factors, class instances other than the
 * matrices, raw ArrayBuffers).
 * @internal
 */
export function encodeValue(value: unknown, path: string, keyFor: KeyNamer): Encoded {
  const blobs = new Map<string, Buffer>();
  const seen = new Set<object>();
  const enc = (v: unknown, p: string): unknown => {
    switch (typeof v) {
      case 'number':
        if (Number.isFinite(v) && !Object.is(v, -0)) return v;
        return { $num: Object.is(v, -0) ? '-0' : String(v) };
      case 'string':
      case 'boolean':
        return v;
      case 'undefined':
        return { $undef: 1 };
      case 'bigint':
        return { $bigint: v.toString() };
      case 'function':
        throw cannotSend(p, 'a function', 'it would run in this process');
      case 'symbol':
        throw cannotSend(p, 'a symbol');
    }
    if (v === null) return null;
    const o = v as object;
    if (ArrayBuffer.isView(o)) {
      const name = typedName(o);
      if (name === undefined) throw cannotSend(p, `a ${describe(o)}`, 'pass a typed array');
      const bytes = bytesOf(o);
      const key = keyFor('buf', sha256([bytes]));
      blobs.set(key, bytes);
      return { $ta: name, key, byteLength: o.byteLength };
    }
    if (o instanceof CsrMatrix || o instanceof CscMatrix) {
      const [header, parts] = matrixParts(o);
      const hash = sha256([header, ...parts]);
      const key = keyFor('mat', hash);
      blobs.set(key, parts.length === 1 ? parts[0] : Buffer.concat(parts));
      const tag = o instanceof CsrMatrix ? '$csr' : '$csc';
      const nnz = (o instanceof CsrMatrix ? o.rowPtr : o.colPtr)[
        o instanceof CsrMatrix ? o.rows : o.cols
      ];
      return { [tag]: hash, key, rows: o.rows, cols: o.cols, nnz };
    }
    if (o instanceof Preconditioner)
      throw cannotSend(p, 'a Preconditioner object', `pass its kind ('${o.kind}') instead`);
    if (FACTOR_HANDLE in o)
      throw cannotSend(
        p,
        `a ${describe(o)} (a factorisation held by this process)`,
        "pass a preconditioner kind ('ic0', 'ilu0'), or A itself to spsolve",
      );
    if (isLinearOperator(o))
      throw cannotSend(
        p,
        'a LinearOperator (its multiply runs in this process)',
        'pass a CsrMatrix',
      );
    if (o instanceof RelaxationTuner)
      throw cannotSend(p, 'a RelaxationTuner (it learns in this process)');
    if (o instanceof ArrayBuffer || o instanceof SharedArrayBuffer)
      throw cannotSend(p, `a raw ${describe(o)}`, 'pass a typed array view of it');
    if (seen.has(o)) throw cannotSend(p, 'a value that contains itself');
    seen.add(o);
    try {
      if (Array.isArray(o)) {
        if (Object.getPrototypeOf(o) !== Array.prototype) throw cannotSend(p, `a ${describe(o)}`);
        return o.map((x, i) => enc(x, `${p}[${i}]`));
      }
      const proto = Object.getPrototypeOf(o);
      if (proto !== Object.prototype && proto !== null)
        throw cannotSend(p, `a ${describe(o)} object`);
      const out: Record<string, unknown> = {};
      let tagged = false;
      for (const k of Object.keys(o)) {
        if (k.startsWith('$')) tagged = true;
        out[k] = enc((o as Record<string, unknown>)[k], p === '' ? k : `${p}.${k}`);
      }
      return tagged ? { $obj: out } : out;
    } finally {
      seen.delete(o);
    }
  };
  return { data: enc(value, path), blobs };
}

/**
 * Every payload key an encoded document references.
 * @internal
 */
export function payloadKeys(data: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof data !== 'object' || data === null) return into;
  if (Array.isArray(data)) {
    for (const x of data) payloadKeys(x, into);
    return into;
  }
  const o = data as Record<string, unknown>;
  if (typeof o.key === 'string' && ('$ta' in o || '$csr' in o || '$csc' in o)) into.add(o.key);
  else for (const k of Object.keys(o)) payloadKeys(o[k], into);
  return into;
}

/**
 * Stores an encoding's payloads: a key that is there already (a PEXPIRE refresh finds it) is not
 * written again, so a stream of right-hand sides against one A uploads A once. Resolves to the
 * number of bytes written.
 * @internal
 */
export async function storeBlobs(
  store: BlobStore,
  blobs: Map<string, Buffer>,
  ttlMs: number,
  refresh = true,
): Promise<number> {
  let written = 0;
  await Promise.all(
    [...blobs].map(async ([key, bytes]) => {
      if (refresh && (await store.touch(key, ttlMs))) return;
      await store.put(key, bytes, ttlMs);
      written += bytes.length;
    }),
  );
  return written;
}

/**
 * What decoding may reuse across jobs (the worker's LRU): decoded matrices by content hash, and
 * content-addressed payload bytes by key.
 * @internal
 */
export interface DecodeCache {
  get(key: string): unknown;
  set(key: string, value: unknown, bytes: number): void;
}

function expired(key: string): ItersolveError {
  return new ItersolveError(
    'ERR_EXTERNAL',
    `queue payload ${key} is missing (expired after payloadTtlMs, or deleted)`,
  );
}

function corrupt(key: string, expected: string, received: number): ItersolveError {
  return new ItersolveError(
    'ERR_EXTERNAL',
    `queue payload ${key}: expected ${expected}, received ${received} bytes`,
  );
}

/** A fresh, aligned typed array over a copy of `len` bytes of `b` from `off`. */
function typedFrom<T extends Typed>(
  Ctor: new (b: ArrayBuffer) => T,
  b: Buffer,
  off: number,
  len: number,
): T {
  const ab = new ArrayBuffer(len);
  new Uint8Array(ab).set(b.subarray(off, off + len));
  return new Ctor(ab);
}

function matrixFrom(d: Record<string, unknown>, key: string, b: Buffer): CsrMatrix | CscMatrix {
  const csr = '$csr' in d;
  const rows = d.rows as number;
  const cols = d.cols as number;
  const nnz = d.nnz as number;
  const np = (csr ? rows : cols) + 1;
  const len = np * 4 + nnz * 12;
  if (b.length !== len) throw corrupt(key, `${len}`, b.length);
  const ptr = typedFrom(Int32Array, b, 0, np * 4);
  const idx = typedFrom(Int32Array, b, np * 4, nnz * 4);
  const values = typedFrom(Float64Array, b, np * 4 + nnz * 4, nnz * 8);
  // Bytes from Redis are not trusted: the structure (pointers, indices in range) is checked once
  // per decode (decoded matrices are cached); sortedness and finiteness are the sender's business,
  // as they were when it built the matrix.
  const validate = { structure: true, sorted: false, finite: false };
  return csr
    ? new CsrMatrix(rows, cols, ptr, idx, values, { validate })
    : new CscMatrix(rows, cols, ptr, idx, values, { validate });
}

/**
 * Decodes a document: `fetch` reads the payloads it references (those not in `cache`). Decoded
 * matrices are cached by content hash and shared (solvers never write A); typed arrays are always
 * fresh copies (a solver may write into one, e.g. `out`).
 * @internal
 */
export async function decodeValue(
  data: unknown,
  fetch: (keys: string[]) => Promise<(Buffer | null)[]>,
  cache?: DecodeCache,
): Promise<unknown> {
  const keys = [...payloadKeys(data)];
  const have = new Map<string, unknown>();
  const missing: string[] = [];
  for (const k of keys) {
    const c = cache?.get(k);
    if (c !== undefined) have.set(k, c);
    else missing.push(k);
  }
  if (missing.length > 0) {
    const got = await fetch(missing);
    missing.forEach((k, i) => {
      const b = got[i];
      if (b === null || b === undefined) throw expired(k);
      have.set(k, b);
    });
  }
  const dec = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) return v.map(dec);
    const o = v as Record<string, unknown>;
    if ('$num' in o) return NUMBER_TAGS[o.$num as string];
    if ('$undef' in o) return undefined;
    if ('$bigint' in o) return BigInt(o.$bigint as string);
    if ('$obj' in o) return decObject(o.$obj as Record<string, unknown>);
    if ('$ta' in o) {
      const key = o.key as string;
      const b = have.get(key) as Buffer;
      const Ctor = TYPED[o.$ta as TypedName];
      if (Ctor === undefined) throw corrupt(key, `a typed array type`, b.length);
      if (b.length !== o.byteLength) throw corrupt(key, `${o.byteLength as number}`, b.length);
      if (cache) cache.set(key, b, b.length);
      return typedFrom(Ctor as new (b: ArrayBuffer) => Typed, b, 0, b.length);
    }
    if ('$csr' in o || '$csc' in o) {
      const key = o.key as string;
      const c = have.get(key);
      if (c instanceof CsrMatrix || c instanceof CscMatrix) return c;
      const M = matrixFrom(o, key, c as Buffer);
      if (cache) cache.set(key, M, (c as Buffer).length);
      return M;
    }
    return decObject(o);
  };
  const decObject = (o: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) out[k] = dec(o[k]);
    return out;
  };
  return dec(data);
}

/**
 * The fields of an ItersolveError that travel (and the worker's partial result, encoded).
 * @internal
 */
export interface ErrorWire {
  $itersolve: 1;
  code: string;
  message: string;
  argument?: string;
  row?: number;
  column?: number;
  line?: number;
  /** An AbortError's partial result (encoded). */
  result?: unknown;
}

/**
 * An error as it travels in a failed job's reason: ItersolveError fields as they are; anything
 * else becomes ERR_EXTERNAL (a bug or an environment failure on the worker, with its message).
 * @internal
 */
export function errorToWire(e: unknown, result?: unknown): ErrorWire {
  if (e instanceof ItersolveError) {
    const w: ErrorWire = { $itersolve: 1, code: e.code, message: e.message };
    if (e.argument !== undefined) w.argument = e.argument;
    if (e.row !== undefined) w.row = e.row;
    if (e.column !== undefined) w.column = e.column;
    if (e.line !== undefined) w.line = e.line;
    if (result !== undefined) w.result = result;
    return w;
  }
  const message = e instanceof Error ? e.message : String(e);
  return { $itersolve: 1, code: 'ERR_EXTERNAL', message: `worker: ${message}` };
}

/**
 * Parses a failed job's reason: the ErrorWire the worker wrote, or undefined when the reason is
 * BullMQ's own text (a stalled job, a lock lost).
 * @internal
 */
export function parseErrorWire(reason: unknown): ErrorWire | undefined {
  if (typeof reason !== 'string' || !reason.startsWith('{')) return undefined;
  try {
    const w = JSON.parse(reason) as Partial<ErrorWire>;
    if (w.$itersolve === 1 && typeof w.code === 'string' && typeof w.message === 'string')
      return w as ErrorWire;
  } catch {
    // not ours
  }
  return undefined;
}

/**
 * The ItersolveError an ErrorWire describes (an AbortError, with `result`, for ABORT_ERR).
 * @internal
 */
export function errorFromWire(w: ErrorWire, result?: unknown, cause?: unknown): ItersolveError {
  if (w.code === 'ABORT_ERR') return new AbortError(w.message, { cause, result });
  const code = (ERROR_CODES as readonly string[]).includes(w.code)
    ? (w.code as ItersolveErrorCode)
    : 'ERR_EXTERNAL';
  return new ItersolveError(code, w.message, {
    argument: w.argument,
    row: w.row,
    column: w.column,
    line: w.line,
  });
}
