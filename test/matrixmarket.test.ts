import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import t from 'tap';
import {
  CsrMatrix,
  ItersolveError,
  matrixMarketString,
  getThreads,
  poisson2d,
  readMatrixMarket,
  readMatrixMarketAsync,
  readMatrixMarketWithHeader,
  rng,
  setThreads,
  writeMatrixMarket,
} from '../lib/index';
import { randomCsr } from './helpers';

const dir = path.join(__dirname, 'fixtures', 'matrices');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'itersolve-mm-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Independent reference: a tiny line-by-line reader into a dense map. */
function referenceRead(text: string): { rows: number; cols: number; entries: Map<string, number> } {
  const lines = text.split(/\r?\n/);
  const banner = lines[0].toLowerCase().split(/\s+/);
  const sym = banner[4];
  let i = 1;
  while (lines[i].startsWith('%') || lines[i].trim() === '') i++;
  const [rows, cols] = lines[i++].trim().split(/\s+/).map(Number);
  const entries = new Map<string, number>();
  const add = (r: number, c: number, v: number) =>
    entries.set(`${r},${c}`, (entries.get(`${r},${c}`) ?? 0) + v);
  for (; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l === '' || l.startsWith('%')) continue;
    const p = l.split(/\s+/);
    const r = Number(p[0]) - 1;
    const c = Number(p[1]) - 1;
    const v = p.length > 2 ? Number(p[2].replace(/[dD]/, 'e')) : 1;
    add(r, c, v);
    if (r !== c && sym === 'symmetric') add(c, r, v);
    if (r !== c && sym === 'skew-symmetric') add(c, r, -v);
  }
  return { rows, cols, entries };
}

t.test('every shared SuiteSparse matrix loads and matches an independent reader', async (t) => {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.mtx'));
  t.ok(files.length >= 26, `found ${files.length} matrices`);
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const { matrix: A, header } = readMatrixMarketWithHeader(path.join(dir, f));
    const ref = referenceRead(text);
    t.equal(A.rows, ref.rows, `${f} rows`);
    t.equal(A.cols, ref.cols, `${f} cols`);
    t.equal(A.nnz, ref.entries.size, `${f} nnz`);
    let bad = 0;
    for (let r = 0; r < A.rows; r++)
      for (let k = A.rowPtr[r]; k < A.rowPtr[r + 1]; k++)
        if (ref.entries.get(`${r},${A.colIdx[k]}`) !== A.values[k]) bad++;
    t.equal(bad, 0, `${f} values (${header.symmetry})`);
    // text input gives the same matrix
    const B = readMatrixMarket(text);
    t.same(B.values, A.values, `${f} from text`);
    if (header.symmetry === 'symmetric') t.ok(A.isSymmetric(), `${f} is symmetric after expansion`);
  }
});

t.test('write → read round trips are exact', async (t) => {
  const mats: Array<[string, CsrMatrix]> = [
    ['poisson', poisson2d(20)],
    ['random', randomCsr(80, 50, 3, { emptyRowFraction: 0.3 })],
    ['empty', new CsrMatrix(3, 4, new Int32Array(4), new Int32Array(0), new Float64Array(0))],
    ['0x0', new CsrMatrix(0, 0, new Int32Array(1), new Int32Array(0), new Float64Array(0))],
    [
      'awkward values',
      CsrMatrix.fromDense(1, 4, Float64Array.from([Number.MIN_VALUE, -1e300, 0.1 + 0.2, -0])),
    ],
  ];
  for (const [name, A] of mats) {
    const file = path.join(tmp, `${name}.mtx`);
    writeMatrixMarket(A, file, { comment: 'written by itersolve tests' });
    const B = readMatrixMarket(file);
    t.equal(B.rows, A.rows, `${name} rows`);
    t.equal(B.cols, A.cols, `${name} cols`);
    t.same(B.rowPtr, A.rowPtr, `${name} rowPtr`);
    t.same(B.colIdx, A.colIdx, `${name} colIdx`);
    t.same(B.values, A.values, `${name} values, bit for bit`);
    t.match(
      fs.readFileSync(file, 'utf8'),
      /^%%MatrixMarket matrix coordinate real general\n%written by itersolve tests\n/,
    );
    const text = matrixMarketString(A);
    t.same(readMatrixMarket(text).values, A.values, `${name} via string`);
  }
  const S = poisson2d(5);
  const symText = matrixMarketString(S, { symmetric: true });
  t.match(symText, /coordinate real symmetric/);
  t.ok(symText.length < matrixMarketString(S).length, 'symmetric output stores one triangle');
  t.same(readMatrixMarket(symText).values, S.values);
  t.throws(() => matrixMarketString(randomCsr(5, 5, 1, { density: 0.5 }), { symmetric: true }), {
    code: 'ERR_INVALID_MATRIX',
  });
  t.throws(() => writeMatrixMarket({} as never, path.join(tmp, 'x.mtx')), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'A',
  });
  t.throws(() => writeMatrixMarket(S, path.join(tmp, 'no', 'such', 'dir', 'x.mtx')), {
    code: 'ERR_IO',
  });
  t.throws(() => matrixMarketString(S, { comment: 'two\nlines' }), {
    code: 'ERR_INVALID_ARGUMENT',
  });
});

t.test('formats: integer, pattern, skew-symmetric, array, comments, CRLF', async (t) => {
  const int = readMatrixMarket(
    '%%MatrixMarket matrix coordinate integer general\n% c\n2 2 2\n1 1 7\n2 1 -3\n',
  );
  t.same(Array.from(int.toDense()), [7, 0, -3, 0]);
  const pat = readMatrixMarket(
    '%%MatrixMarket matrix coordinate pattern symmetric\n3 3 2\n2 1\n3 3\n',
  );
  t.same(Array.from(pat.toDense()), [0, 1, 0, 1, 0, 0, 0, 0, 1]);
  const skew = readMatrixMarketWithHeader(
    '%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 2.5\n',
  );
  t.equal(skew.header.symmetry, 'skew-symmetric');
  t.same(Array.from(skew.matrix.toDense()), [0, -2.5, 2.5, 0]);
  const arr = readMatrixMarketWithHeader(
    '%%MatrixMarket matrix array real general\n2 3\n1\n2\n0\n4\n5\n6\n',
  );
  t.equal(arr.header.format, 'array');
  t.same(Array.from(arr.matrix.toDense()), [1, 0, 5, 2, 4, 6], 'column-major');
  const arrSym = readMatrixMarket('%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n3\n');
  t.same(Array.from(arrSym.toDense()), [1, 2, 2, 3]);
  const crlf = readMatrixMarket(
    '%%MatrixMarket matrix coordinate real general\r\n%x\r\n\r\n2 2 1\r\n  2   2   1.5e0  \r\n',
  );
  t.same(Array.from(crlf.toDense()), [0, 0, 0, 1.5]);
  const dup = readMatrixMarket(
    '%%MatrixMarket matrix coordinate real general\n1 1 2\n1 1 1\n1 1 2\n',
  );
  t.same(Array.from(dup.values), [3], 'duplicates summed');
});

t.test('malformed input: ERR_PARSE naming the line', async (t) => {
  const cases: Array<[string, string, number | undefined, RegExp]> = [
    ['no banner', '3 3 1\n1 1 1\n', 1, /banner|MatrixMarket/i],
    [
      'complex',
      '%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n',
      1,
      /complex|unsupported/i,
    ],
    [
      'hermitian',
      '%%MatrixMarket matrix coordinate real hermitian\n1 1 1\n1 1 1\n',
      1,
      /hermitian|unsupported/i,
    ],
    ['bad size line', '%%MatrixMarket matrix coordinate real general\n% c\n3 x 1\n', 3, /./],
    [
      'index out of range',
      '%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n3 1 1\n',
      4,
      /range|row/i,
    ],
    [
      'zero index',
      '%%MatrixMarket matrix coordinate real general\n2 2 1\n0 1 1\n',
      3,
      /range|row/i,
    ],
    [
      'missing value',
      '%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1\n',
      3,
      /value|missing|expected/i,
    ],
    ['garbage value', '%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 abc\n', 3, /./],
    ['trailing garbage', '%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1 9\n', 3, /./],
    [
      'too few entries',
      '%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 1\n2 2 1\n',
      undefined,
      /entr/i,
    ],
    [
      'too many entries',
      '%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1\n2 2 1\n',
      4,
      /entr/i,
    ],
    [
      'skew diagonal',
      '%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n1 1 1\n',
      3,
      /diagonal/i,
    ],
    ['negative size', '%%MatrixMarket matrix coordinate real general\n-2 2 1\n', 2, /./],
    ['huge size', '%%MatrixMarket matrix coordinate real general\n3000000000 2 1\n', 2, /./],
    [
      'array short',
      '%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n',
      undefined,
      /entr|value/i,
    ],
  ];
  for (const [name, text, line, re] of cases) {
    try {
      readMatrixMarket(text);
      t.fail(`${name}: expected ERR_PARSE`);
    } catch (e) {
      t.ok(e instanceof ItersolveError, name);
      const err = e as ItersolveError;
      t.equal(err.code, 'ERR_PARSE', `${name}: ${err.message}`);
      if (line !== undefined) {
        t.equal(err.line, line, `${name}: line`);
        t.match(err.message, new RegExp(`:${line}:`), `${name}: message names line ${line}`);
      }
      t.match(err.message, re, `${name}: says what is wrong`);
    }
  }
  t.throws(() => readMatrixMarket(path.join(tmp, 'missing.mtx')), { code: 'ERR_IO' });
  t.throws(() => readMatrixMarket(42 as never), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'pathOrText',
  });
  t.throws(
    () => readMatrixMarket('%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 nan\n'),
    {
      code: 'ERR_PARSE',
      argument: 'values',
      line: 3,
    },
  );
  t.equal(
    readMatrixMarket('%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 inf\n', {
      finite: false,
    }).values[0],
    Infinity,
  );
});

t.test('readMatrixMarketAsync: same result off the event loop, progress, abort', async (t) => {
  const file = path.join(dir, 'bcsstk19.mtx');
  const A = readMatrixMarket(file);
  const B = await readMatrixMarketAsync(file);
  t.same(B.values, A.values);
  t.same(B.colIdx, A.colIdx);
  // a large generated file for progress and abort
  const big = path.join(tmp, 'big.mtx');
  writeMatrixMarket(poisson2d(700), big);
  const size = fs.statSync(big).size;
  const seen: number[] = [];
  const C = await readMatrixMarketAsync(big, { onProgress: (p) => seen.push(p.iteration) });
  t.equal(C.rows, 490000);
  for (let i = 1; i < seen.length; i++) t.ok(seen[i] >= seen[i - 1], 'bytes read grow');
  if (seen.length > 0) t.ok(seen[seen.length - 1] <= size);
  const ac = new AbortController();
  ac.abort();
  await t.rejects(readMatrixMarketAsync(big, { signal: ac.signal }), {
    code: 'ABORT_ERR',
    name: 'AbortError',
  });
  await t.rejects(readMatrixMarketAsync(path.join(tmp, 'missing.mtx')), { code: 'ERR_IO' });
  await t.rejects(
    readMatrixMarketAsync('%%MatrixMarket matrix coordinate real general\n1 1 1\n2 1 1\n'),
    { code: 'ERR_PARSE', line: 3 },
  );
  await t.rejects(readMatrixMarketAsync(big, { signal: 'no' as never }), {
    code: 'ERR_INVALID_ARGUMENT',
    argument: 'signal',
  });
});

t.test(
  "NaN and infinite values: ERR_PARSE naming the first one's line, sync and async",
  async (t) => {
    const B = '%%MatrixMarket matrix coordinate real general\n';
    const cases: Array<[string, string, number, string]> = [
      ['nan', B + '2 2 2\n1 1 1\n2 2 nan\n', 4, "'nan'"],
      ['-inf after comments', B + '% c\n2 2 3\n1 1 1\n% mid\n\n2 1 -inf\n2 2 NaN\n', 7, "'-inf'"],
      ['overflowing literal', B + '2 2 1\r\n2 2 1e999\r\n', 3, "'1e999'"],
      [
        'symmetric Infinity',
        '%%MatrixMarket matrix coordinate real symmetric\n2 2 2\n2 1 Infinity\n1 1 2\n',
        3,
        "'Infinity'",
      ],
      ['array', '%%MatrixMarket matrix array real general\n2 1\n1\nnan\n', 4, "'nan'"],
    ];
    for (const [name, text, line, token] of cases) {
      const file = path.join(tmp, `nonfinite-${line}.mtx`);
      fs.writeFileSync(file, text);
      for (const src of [text, file]) {
        try {
          readMatrixMarket(src);
          t.fail(`${name}: expected ERR_PARSE`);
        } catch (e) {
          const err = e as ItersolveError;
          t.equal(err.code, 'ERR_PARSE', `${name}: ${err.message}`);
          t.equal(err.line, line, `${name}: line`);
          t.equal(err.argument, 'values');
          t.match(
            err.message,
            `:${line}: non-finite value ${token}`,
            `${name}: message names line and value`,
          );
          if (src === file) t.ok(err.message.startsWith(file), `${name}: message names the file`);
        }
        await t.rejects(
          readMatrixMarketAsync(src),
          { code: 'ERR_PARSE', line, argument: 'values' },
          `${name}: async`,
        );
        const A = readMatrixMarket(src, { finite: false });
        t.ok(
          Array.from(A.values).some((x) => !Number.isFinite(x)),
          `${name}: read with finite: false`,
        );
        const B2 = await readMatrixMarketAsync(src, { finite: false });
        t.same(
          Array.from(B2.values).map(String),
          Array.from(A.values).map(String),
          `${name}: async finite: false`,
        );
      }
    }
    // a malformed line anywhere is the error, even after a NaN (values are checked on a file that parsed)
    const both = B + '2 2 2\n1 1 nan\n2 2 x\n';
    t.throws(() => readMatrixMarket(both), {
      code: 'ERR_PARSE',
      line: 4,
      message: /invalid real value 'x'/,
    });
    t.throws(() => readMatrixMarket(both, { finite: false }), { code: 'ERR_PARSE', line: 4 });
  },
);

t.test(
  '.mtx.gz and Uint8Array sources: read and written through zlib, sync and async',
  async (t) => {
    const A = randomCsr(60, 45, 11, { emptyRowFraction: 0.2 });
    const gz = path.join(tmp, 'random.mtx.gz');
    writeMatrixMarket(A, gz, { comment: 'compressed' });
    const raw = fs.readFileSync(gz);
    t.equal(raw[0], 0x1f, 'gzip magic');
    t.equal(raw[1], 0x8b, 'gzip magic');
    t.equal(
      zlib.gunzipSync(raw).toString('latin1'),
      matrixMarketString(A, { comment: 'compressed' }),
      'same text as uncompressed',
    );
    const check = (B: CsrMatrix, how: string) => {
      t.equal(B.rows, A.rows, `${how} rows`);
      t.equal(B.cols, A.cols, `${how} cols`);
      t.same(B.rowPtr, A.rowPtr, `${how} rowPtr`);
      t.same(B.colIdx, A.colIdx, `${how} colIdx`);
      t.same(B.values, A.values, `${how} values, bit for bit`);
    };
    check(readMatrixMarket(gz), 'sync .gz');
    check(await readMatrixMarketAsync(gz), 'async .gz');
    check(readMatrixMarket(raw), 'sync gzip bytes');
    check(await readMatrixMarketAsync(new Uint8Array(raw)), 'async gzip bytes');
    const plain = Buffer.from(matrixMarketString(A), 'latin1');
    check(readMatrixMarket(plain), 'sync bytes');
    check(await readMatrixMarketAsync(plain), 'async bytes');
    t.equal(readMatrixMarketWithHeader(gz).header.symmetry, 'general');
    const S = poisson2d(7);
    const sgz = path.join(tmp, 'sym.MTX.GZ');
    writeMatrixMarket(S, sgz, { symmetric: true });
    t.same(readMatrixMarket(sgz).values, S.values, 'symmetric .gz (extension in any case)');
    // errors name the file
    const bad = path.join(tmp, 'bad.mtx.gz');
    fs.writeFileSync(
      bad,
      zlib.gzipSync(Buffer.from('%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n')),
    );
    t.throws(() => readMatrixMarket(bad), {
      code: 'ERR_PARSE',
      line: 3,
      message: new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: row index`),
    });
    await t.rejects(readMatrixMarketAsync(bad), { code: 'ERR_PARSE', line: 3 });
    const notGz = path.join(tmp, 'not.mtx.gz');
    fs.writeFileSync(notGz, 'plain text');
    t.throws(() => readMatrixMarket(notGz), { code: 'ERR_PARSE', message: /gzip/ });
    await t.rejects(readMatrixMarketAsync(notGz), { code: 'ERR_PARSE', message: /gzip/ });
    t.throws(() => readMatrixMarket(path.join(tmp, 'missing.mtx.gz')), { code: 'ERR_IO' });
    await t.rejects(readMatrixMarketAsync(path.join(tmp, 'missing.mtx.gz')), { code: 'ERR_IO' });
    t.throws(() => writeMatrixMarket(S, path.join(tmp, 'no', 'such', 'x.mtx.gz')), {
      code: 'ERR_IO',
    });
    const fast = path.join(tmp, 'fast.mtx.gz');
    writeMatrixMarket(S, fast, { gzipLevel: 1 });
    t.same(readMatrixMarket(fast).values, S.values, 'gzipLevel 1 round trip');
    t.throws(() => writeMatrixMarket(S, fast, { gzipLevel: 0 }), {
      code: 'ERR_INVALID_ARGUMENT',
      argument: 'options.gzipLevel',
    });
    t.throws(() => writeMatrixMarket(S, fast, { gzipLevel: 1.5 }), {
      code: 'ERR_INVALID_ARGUMENT',
    });
    t.throws(() => readMatrixMarket(new Uint16Array(3) as never), { code: 'ERR_INVALID_ARGUMENT' });
  },
);

/** A file with comment and blank lines, CRLF, odd spacing, signs, duplicates, unsorted entries. */
function messyText(seed: number, symmetry: string, n: number, entries: number): string {
  const rand = rng(seed);
  const lines = [
    `%%MatrixMarket matrix coordinate real ${symmetry}`,
    '% messy',
    `${n} ${n} ${entries}`,
  ];
  for (let k = 0; k < entries; k++) {
    const u = rand();
    if (u < 0.05) lines.push(`% comment ${k}`);
    else if (u < 0.08) lines.push('');
    else if (u < 0.1) lines.push(' \t\r');
    let i = 1 + Math.floor(rand() * n);
    let j = 1 + Math.floor(rand() * n);
    if (symmetry !== 'general' && i < j) [i, j] = [j, i];
    if (k % 7 === 0) [i, j] = [n, 1]; // duplicates
    const w = rand();
    const v =
      w < 0.3
        ? String(Math.round(rand() * 8 - 4))
        : w < 0.4
          ? `+${(rand() * 10).toFixed(3)}`
          : w < 0.5
            ? `${Math.floor(rand() * 100)}D-1`
            : String(rand() * 2 - 1);
    lines.push(
      `${rand() < 0.1 ? '  ' : ''}${i}${rand() < 0.2 ? '\t' : ' '}${j} ${v}${rand() < 0.3 ? '\r' : ''}`,
    );
  }
  return lines.join('\n') + '\n';
}

t.test(
  'multi-threaded parse: identical to one thread, chunk boundaries in awkward places',
  async (t) => {
    const before = getThreads();
    t.teardown(() => setThreads(before));
    // > 256 KiB of data lines per thread (for 2 threads) so the file really is split
    const files: Array<[string, string]> = [
      ['general', messyText(1, 'general', 4000, 40000)],
      ['symmetric', messyText(2, 'symmetric', 3000, 40000)],
    ];
    const sorted = poisson2d(160);
    files.push(['sorted (direct path)', matrixMarketString(sorted)]);
    for (const [name, text] of files) {
      const file = path.join(tmp, `threads-${name.split(' ')[0]}.mtx`);
      fs.writeFileSync(file, text);
      setThreads(1);
      const ref = readMatrixMarket(file);
      const refText = readMatrixMarket(text);
      t.same(refText.values, ref.values, `${name}: text = file`);
      if (name === 'sorted (direct path)') t.same(ref.values, sorted.values, `${name}: round trip`);
      else {
        const expect = referenceRead(text);
        let bad = 0;
        for (let r = 0; r < ref.rows; r++)
          for (let k = ref.rowPtr[r]; k < ref.rowPtr[r + 1]; k++)
            if (expect.entries.get(`${r},${ref.colIdx[k]}`) !== ref.values[k]) bad++;
        t.equal(bad, 0, `${name}: matches the independent reader`);
        t.equal(ref.nnz, expect.entries.size, `${name}: nnz`);
      }
      // An even and an odd split (mmio_tests covers every chunk boundary for 1-5 threads).
      for (const threads of [2, 7]) {
        setThreads(threads);
        for (const [how, B] of [
          ['sync', readMatrixMarket(file)],
          ['async', await readMatrixMarketAsync(file)],
          ['bytes', readMatrixMarket(Buffer.from(text, 'latin1'))],
        ] as Array<[string, CsrMatrix]>) {
          const same =
            Buffer.compare(
              Buffer.from(B.rowPtr.buffer, B.rowPtr.byteOffset, B.rowPtr.byteLength),
              Buffer.from(ref.rowPtr.buffer, ref.rowPtr.byteOffset, ref.rowPtr.byteLength),
            ) === 0 &&
            Buffer.compare(
              Buffer.from(B.colIdx.buffer, B.colIdx.byteOffset, B.colIdx.byteLength),
              Buffer.from(ref.colIdx.buffer, ref.colIdx.byteOffset, ref.colIdx.byteLength),
            ) === 0 &&
            Buffer.compare(
              Buffer.from(B.values.buffer, B.values.byteOffset, B.values.byteLength),
              Buffer.from(ref.values.buffer, ref.values.byteOffset, ref.values.byteLength),
            ) === 0;
          t.ok(same, `${name}: ${threads} threads (${how}) bit-identical to 1 thread`);
        }
      }
      // the writer formats rows in parallel: the same bytes for any thread count
      setThreads(1);
      const one = matrixMarketString(ref);
      setThreads(3);
      t.equal(matrixMarketString(ref), one, `${name}: text written with 3 threads = 1 thread`);
      const w3 = path.join(tmp, `threads-${name.split(' ')[0]}-w3.mtx`);
      writeMatrixMarket(ref, w3);
      t.equal(
        fs.readFileSync(w3, 'latin1'),
        one,
        `${name}: file written with 3 threads = 1 thread`,
      );
      // an error late in the file: same line whatever the thread count
      const broken = text.replace(/\n([^\n]*)\n$/, '\n$1 extra\n');
      const lines = broken.split('\n').length - 1;
      for (const threads of [1, 3]) {
        setThreads(threads);
        t.throws(
          () => readMatrixMarket(broken),
          { code: 'ERR_PARSE', line: lines },
          `${name}: error line with ${threads} threads`,
        );
      }
    }
  },
);
