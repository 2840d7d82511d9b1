// Sparse arithmetic and access (native/formats/csr_ops.hpp) against a dense reference on seeded
// random matrices (rectangular, empty rows, 0 × n, n × 0). Checks:
//  - every result is canonical (passes csr::validate with all checks) and has the expected
//    shape, pattern and values: add / matmul drop exact zeros (A − A is empty, cancellation in a
//    product leaves no entry), slice / kron / stack / set_diagonal keep explicit zeros;
//  - matmul is bit for bit the same on 1, 2 and 3 threads (one case large enough to split);
//  - non-canonical inputs (unsorted, repeated entries) give the canonical result;
//  - slice with repeated / reordered rows and columns matches fancy indexing;
//  - errors: shape mismatches name the argument, out-of-range indices name rows / cols, results
//    with more than 2^31 − 1 entries / rows are ERR_UNSUPPORTED.
// Build and run:  test/native/build.sh csr_ops_tests /tmp/out && /tmp/out/csr_ops_tests

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../../native/core/errors.hpp"
#include "../../native/formats/csr_ops.hpp"

using namespace itersolve;

#include "check.hpp"

namespace {

struct Lcg {
  uint64_t s;
  double next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(s >> 11) * (1.0 / 9007199254740992.0);
  }
};

// Seeded random CSR, sorted unique columns, some empty rows. Values are small integers (so sums
// and products are exact and cancellation to 0 happens), with explicit zeros now and then.
csr::Owned random_csr(int64_t rows, int64_t cols, double density, uint64_t seed) {
  Lcg g{seed};
  csr::Owned A;
  A.rows = rows;
  A.cols = cols;
  A.rowPtr.assign(static_cast<size_t>(rows) + 1, 0);
  for (int64_t r = 0; r < rows; ++r) {
    const bool empty = g.next() < 0.15;
    for (int64_t c = 0; c < cols && !empty; ++c)
      if (g.next() < density) {
        A.colIdx.push_back(static_cast<int32_t>(c));
        A.values.push_back(std::floor(7.0 * g.next()) - 3.0);
      }
    A.rowPtr[static_cast<size_t>(r) + 1] = static_cast<int32_t>(A.colIdx.size());
  }
  return A;
}

CsrView view(const csr::Owned& A) {
  return CsrView{A.rows, A.cols, A.rowPtr.data(), A.colIdx.data(), A.values.data()};
}

std::vector<double> dense(const csr::Owned& A) {
  std::vector<double> d(static_cast<size_t>(A.rows * A.cols) + 1, 0.0);
  csr::to_dense(view(A), d.data());
  d.resize(static_cast<size_t>(A.rows * A.cols));
  return d;
}

bool canonical(const csr::Owned& A) {
  return csr::validate(A.rows, A.cols, A.rowPtr.data(), static_cast<int64_t>(A.rowPtr.size()),
                       A.colIdx.data(), static_cast<int64_t>(A.colIdx.size()), A.values.data(),
                       static_cast<int64_t>(A.values.size()), csr::kCheckAll)
      .ok;
}

bool has_zero(const csr::Owned& A) {
  for (double v : A.values)
    if (v == 0.0) return true;
  return false;
}

bool same(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

bool bitwise(const csr::Owned& a, const csr::Owned& b) {
  return a.rows == b.rows && a.cols == b.cols && a.rowPtr == b.rowPtr && a.colIdx == b.colIdx &&
         a.values.size() == b.values.size() &&
         (a.values.empty() ||
          std::memcmp(a.values.data(), b.values.data(), a.values.size() * 8) == 0);
}

// Number of non-zeros of a dense matrix.
int64_t nonzeros(const std::vector<double>& d) {
  int64_t n = 0;
  for (double v : d) n += v != 0.0;
  return n;
}

template <class F>
bool throws(F&& f, const char* code, const char* argument, const char* part = "") {
  try {
    f();
  } catch (const SolverError& e) {
    const bool ok = std::string(e.code) == code && e.argument == argument &&
                    std::string(e.what()).find(part) != std::string::npos;
    if (!ok) std::fprintf(stderr, "  got %s '%s': %s\n", e.code, e.argument.c_str(), e.what());
    return ok;
  }
  return false;
}

// A non-canonical copy of A: each row reversed and its first entry split into two halves.
csr::Owned scrambled(const csr::Owned& A) {
  csr::Owned S;
  S.rows = A.rows;
  S.cols = A.cols;
  S.rowPtr.assign(A.rowPtr.size(), 0);
  for (int64_t r = 0; r < A.rows; ++r) {
    for (int32_t k = A.rowPtr[static_cast<size_t>(r) + 1] - 1;
         k >= A.rowPtr[static_cast<size_t>(r)]; --k) {
      S.colIdx.push_back(A.colIdx[static_cast<size_t>(k)]);
      const bool first = k == A.rowPtr[static_cast<size_t>(r)];
      S.values.push_back(first ? A.values[static_cast<size_t>(k)] * 0.5
                               : A.values[static_cast<size_t>(k)]);
      if (first) {
        S.colIdx.push_back(A.colIdx[static_cast<size_t>(k)]);
        S.values.push_back(A.values[static_cast<size_t>(k)] * 0.5);
      }
    }
    S.rowPtr[static_cast<size_t>(r) + 1] = static_cast<int32_t>(S.colIdx.size());
  }
  return S;
}

const int64_t kShapes[][2] = {{0, 0}, {0, 5}, {5, 0}, {1, 1}, {7, 7}, {9, 17}, {17, 9}, {30, 30}};

void test_add() {
  ThreadPool p2(2);
  const Engine e{kernels_for(detect_simd()), &p2};
  uint64_t seed = 1;
  for (const auto& sh : kShapes) {
    const csr::Owned A = random_csr(sh[0], sh[1], 0.3, seed++);
    const csr::Owned B = random_csr(sh[0], sh[1], 0.3, seed++);
    const std::vector<double> dA = dense(A), dB = dense(B);
    const double ab[][2] = {{1, 1}, {1, -1}, {2, -0.5}, {0, 1}};
    for (const auto& c : ab) {
      csr::Owned C;
      csr::add(e, view(A), view(B), c[0], c[1], C);
      std::vector<double> ref(dA.size());
      for (size_t i = 0; i < ref.size(); ++i) ref[i] = c[0] * dA[i] + c[1] * dB[i];
      CHECK(canonical(C));
      CHECK(!has_zero(C));
      CHECK(C.rows == A.rows && C.cols == A.cols);
      CHECK(same(dense(C), ref));
      CHECK(static_cast<int64_t>(C.values.size()) == nonzeros(ref));
    }
    // A − A: no entries at all (SciPy drops exact zeros of a sum)
    csr::Owned Z;
    csr::add(e, view(A), view(A), 1, -1, Z);
    CHECK(Z.values.empty() && Z.rowPtr.back() == 0);
    // non-canonical inputs give the canonical sum
    const csr::Owned S = scrambled(A);
    csr::Owned C1, C2;
    csr::add(e, view(A), view(B), 1, 1, C1);
    csr::add(e, view(S), view(B), 1, 1, C2);
    CHECK(canonical(C2));
    CHECK(same(dense(C1), dense(C2)));
  }
  const csr::Owned A = random_csr(3, 4, 0.5, 9), B = random_csr(4, 3, 0.5, 10);
  csr::Owned C;
  CHECK(throws([&] { csr::add(e, view(A), view(B), 1, 1, C); }, "ERR_DIMENSION_MISMATCH", "B",
               "B: expected a 3 x 4 matrix (the shape of A), received 4 x 3"));
  CHECK(throws([&] { csr::add(e, view(A), view(B), 1, 1, C, "other"); }, "ERR_DIMENSION_MISMATCH",
               "other", "other: expected"));
}

void test_matmul() {
  const Kernels* k = kernels_for(detect_simd());
  ThreadPool p1(1), p2(2), p3(3);
  const Engine e1{k, &p1}, e2{k, &p2}, e3{k, &p3};
  uint64_t seed = 100;
  const int64_t shapes[][3] = {{0, 0, 0}, {0, 4, 3},  {4, 0, 3},    {3, 4, 0},       {1, 1, 1},
                               {7, 9, 5}, {9, 7, 12}, {30, 30, 30}, {2000, 800, 900}};
  for (const auto& sh : shapes) {
    const bool big = sh[0] == 2000;
    const csr::Owned A = random_csr(sh[0], sh[1], big ? 0.01 : 0.3, seed++);
    const csr::Owned B = random_csr(sh[1], sh[2], big ? 0.01 : 0.3, seed++);
    csr::Owned C1, C2, C3;
    csr::matmul(e1, view(A), view(B), C1);
    csr::matmul(e2, view(A), view(B), C2);
    csr::matmul(e3, view(A), view(B), C3);
    CHECK(canonical(C1));
    CHECK(!has_zero(C1));
    CHECK(C1.rows == sh[0] && C1.cols == sh[2]);
    CHECK(bitwise(C1, C2));
    CHECK(bitwise(C1, C3));
    if (!big) {
      const std::vector<double> dA = dense(A), dB = dense(B);
      std::vector<double> ref(static_cast<size_t>(sh[0] * sh[2]), 0.0);
      for (int64_t i = 0; i < sh[0]; ++i)
        for (int64_t l = 0; l < sh[1]; ++l)
          for (int64_t j = 0; j < sh[2]; ++j)
            ref[static_cast<size_t>(i * sh[2] + j)] +=
                dA[static_cast<size_t>(i * sh[1] + l)] * dB[static_cast<size_t>(l * sh[2] + j)];
      CHECK(same(dense(C1), ref));  // integer values: exact in any order
      CHECK(static_cast<int64_t>(C1.values.size()) == nonzeros(ref));
      csr::Owned Cs;
      csr::matmul(e2, view(scrambled(A)), view(scrambled(B)), Cs);
      CHECK(canonical(Cs));
      CHECK(same(dense(Cs), ref));
    }
  }
  // cancellation: [1 1] · [1; −1] = 0 leaves no entry
  csr::Owned a, b, c;
  csr::from_dense(1, 2, std::vector<double>{1, 1}.data(), true, a);
  csr::from_dense(2, 1, std::vector<double>{1, -1}.data(), true, b);
  csr::matmul(e2, view(a), view(b), c);
  CHECK(c.rows == 1 && c.cols == 1 && c.values.empty());
  CHECK(throws([&] { csr::matmul(e1, view(a), view(a), c); }, "ERR_DIMENSION_MISMATCH", "B",
               "B: expected 2 rows (the columns of A), received a 1 x 2 matrix"));
}

void test_slice() {
  ThreadPool p2(2);
  const Engine e{kernels_for(detect_simd()), &p2};
  uint64_t seed = 200;
  for (const auto& sh : kShapes) {
    const csr::Owned A = random_csr(sh[0], sh[1], 0.4, seed++);
    const std::vector<double> dA = dense(A);
    Lcg g{seed * 3};
    std::vector<int32_t> rows, cols;
    // repeats and any order, plus an empty selection
    for (int i = 0; i < 2 * sh[0]; ++i) rows.push_back(static_cast<int32_t>(g.next() * sh[0]));
    for (int i = 0; i < 2 * sh[1]; ++i) cols.push_back(static_cast<int32_t>(g.next() * sh[1]));
    const std::vector<int32_t> none;
    struct Sel {
      const std::vector<int32_t>* r;
      const std::vector<int32_t>* c;
    };
    const Sel sels[] = {{&rows, &cols},     {&rows, nullptr}, {nullptr, &cols},
                        {nullptr, nullptr}, {&none, &cols},   {&rows, &none}};
    for (const Sel& s : sels) {
      for (int scr = 0; scr < 2; ++scr) {
        const csr::Owned In = scr ? scrambled(A) : A;
        csr::Owned C;
        csr::slice(e, view(In), s.r ? s.r->data() : nullptr,
                   s.r ? static_cast<int64_t>(s.r->size()) : -1, s.c ? s.c->data() : nullptr,
                   s.c ? static_cast<int64_t>(s.c->size()) : -1, C);
        const int64_t nr = s.r ? static_cast<int64_t>(s.r->size()) : A.rows;
        const int64_t nc = s.c ? static_cast<int64_t>(s.c->size()) : A.cols;
        CHECK(canonical(C));
        CHECK(C.rows == nr && C.cols == nc);
        std::vector<double> ref(static_cast<size_t>(nr * nc));
        int64_t stored = 0;  // explicit entries kept: count the selected stored ones
        for (int64_t i = 0; i < nr; ++i)
          for (int64_t j = 0; j < nc; ++j) {
            const int64_t si = s.r ? (*s.r)[static_cast<size_t>(i)] : i;
            const int64_t sj = s.c ? (*s.c)[static_cast<size_t>(j)] : j;
            ref[static_cast<size_t>(i * nc + j)] = dA[static_cast<size_t>(si * A.cols + sj)];
            for (int32_t q = A.rowPtr[static_cast<size_t>(si)];
                 q < A.rowPtr[static_cast<size_t>(si) + 1]; ++q)
              stored += A.colIdx[static_cast<size_t>(q)] == sj;
          }
        CHECK(same(dense(C), ref));
        CHECK(static_cast<int64_t>(C.values.size()) == stored);
      }
    }
  }
  const csr::Owned A = random_csr(3, 4, 0.5, 9);
  csr::Owned C;
  const int32_t badr[] = {0, 3}, badc[] = {-1};
  CHECK(throws([&] { csr::slice(e, view(A), badr, 2, nullptr, -1, C); }, "ERR_INVALID_ARGUMENT",
               "rows", "rows: expected row indices in [0, 3), received rows[1] = 3"));
  CHECK(throws([&] { csr::slice(e, view(A), nullptr, -1, badc, 1, C); }, "ERR_INVALID_ARGUMENT",
               "cols", "received cols[0] = -1"));
}

void test_kron_stack_diag() {
  uint64_t seed = 300;
  for (const auto& sh : kShapes) {
    const csr::Owned A = random_csr(sh[0], sh[1], 0.4, seed++);
    const csr::Owned B = random_csr(3, 2, 0.5, seed++);
    const std::vector<double> dA = dense(A), dB = dense(B);
    csr::Owned K, Ks;
    csr::kron(view(A), view(B), K);
    csr::kron(view(scrambled(A)), view(B), Ks);
    CHECK(canonical(K) && canonical(Ks));
    CHECK(K.rows == A.rows * 3 && K.cols == A.cols * 2);
    CHECK(K.values.size() == A.values.size() * B.values.size());
    std::vector<double> ref(static_cast<size_t>(K.rows * K.cols));
    for (int64_t i = 0; i < K.rows; ++i)
      for (int64_t j = 0; j < K.cols; ++j)
        ref[static_cast<size_t>(i * K.cols + j)] =
            dA[static_cast<size_t>((i / 3) * A.cols + j / 2)] *
            dB[static_cast<size_t>((i % 3) * 2 + j % 2)];
    CHECK(same(dense(K), ref));
    CHECK(same(dense(Ks), ref));

    // vstack / hstack of A with a random partner
    const csr::Owned V = random_csr(4, sh[1], 0.4, seed++), H = random_csr(sh[0], 3, 0.4, seed++);
    csr::Owned S;
    csr::vstack({view(A), view(scrambled(V)), view(A)}, S);
    CHECK(canonical(S));
    CHECK(S.rows == 2 * A.rows + 4 && S.cols == A.cols);
    CHECK(S.values.size() == 2 * A.values.size() + V.values.size());
    const std::vector<double> dV = dense(V), dS = dense(S);
    bool ok = true;
    for (int64_t i = 0; i < S.rows; ++i)
      for (int64_t j = 0; j < S.cols; ++j) {
        const double want = i < A.rows ? dA[static_cast<size_t>(i * A.cols + j)]
                            : i < A.rows + 4
                                ? dV[static_cast<size_t>((i - A.rows) * A.cols + j)]
                                : dA[static_cast<size_t>((i - A.rows - 4) * A.cols + j)];
        ok = ok && dS[static_cast<size_t>(i * S.cols + j)] == want;
      }
    CHECK(ok);
    csr::hstack({view(A), view(H)}, S);
    CHECK(canonical(S));
    CHECK(S.rows == A.rows && S.cols == A.cols + 3);
    const std::vector<double> dH = dense(H), dT = dense(S);
    ok = true;
    for (int64_t i = 0; i < S.rows; ++i)
      for (int64_t j = 0; j < S.cols; ++j) {
        const double want = j < A.cols ? dA[static_cast<size_t>(i * A.cols + j)]
                                       : dH[static_cast<size_t>(i * 3 + j - A.cols)];
        ok = ok && dT[static_cast<size_t>(i * S.cols + j)] == want;
      }
    CHECK(ok);

    // set_diagonal on diagonals −1, 0, 2 (full and partial lengths; zeros stored)
    for (int64_t k : {int64_t{-1}, int64_t{0}, int64_t{2}}) {
      const int64_t m = csr::diagonal_length(A.rows, A.cols, k);
      for (int64_t len : {m, m / 2}) {
        std::vector<double> d(static_cast<size_t>(len) + 1);
        for (int64_t i = 0; i < len; ++i) d[static_cast<size_t>(i)] = i % 3 == 0 ? 0.0 : 10.0 + i;
        csr::Owned D;
        csr::set_diagonal(view(scrambled(A)), d.data(), len, k, D);
        CHECK(canonical(D));
        std::vector<double> want = dA;
        const int64_t r0 = k < 0 ? -k : 0;
        int64_t added = 0;
        for (int64_t i = 0; i < len; ++i) {
          const int64_t r = r0 + i, c = r + k;
          bool present = false;
          for (int32_t q = A.rowPtr[static_cast<size_t>(r)];
               q < A.rowPtr[static_cast<size_t>(r) + 1]; ++q)
            present = present || A.colIdx[static_cast<size_t>(q)] == c;
          added += !present;
          want[static_cast<size_t>(r * A.cols + c)] = d[static_cast<size_t>(i)];
        }
        CHECK(same(dense(D), want));
        CHECK(D.values.size() == A.values.size() + static_cast<size_t>(added));
      }
    }
  }
  csr::Owned A = random_csr(3, 4, 0.5, 1), B = random_csr(2, 5, 0.5, 2), S;
  CHECK(throws([&] { csr::vstack({view(A), view(A), view(B)}, S); }, "ERR_DIMENSION_MISMATCH",
               "matrices[2]", "matrices[2]: expected 4 columns (as matrices[0]), received 5"));
  CHECK(throws([&] { csr::hstack({view(A), view(B)}, S); }, "ERR_DIMENSION_MISMATCH", "matrices[1]",
               "expected 3 rows"));
  CHECK(throws([&] { csr::vstack({}, S); }, "ERR_INVALID_ARGUMENT", "matrices", "empty list"));
  const double d[] = {1, 2, 3, 4};
  CHECK(throws([&] { csr::set_diagonal(view(A), d, 4, 0, S); }, "ERR_DIMENSION_MISMATCH", "d",
               "expected at most 3 values"));
  CHECK(throws([&] { csr::set_diagonal(view(A), d, 1, 4, S); }, "ERR_DIMENSION_MISMATCH", "d",
               "expected at most 0 values"));
  // Kronecker shapes past int32: refused before anything is allocated
  csr::Owned big;
  big.rows = 70000;
  big.cols = 1;
  big.rowPtr.assign(70001, 0);
  CHECK(throws([&] { csr::kron(view(big), view(big), S); }, "ERR_UNSUPPORTED", "B",
               "4900000000 rows"));
  // and more than 2^31 − 1 entries: a 46341-entry column times a 46341-entry row
  const int64_t n = 46341;
  csr::Owned col, row;
  col.rows = n;
  col.cols = 1;
  col.rowPtr.resize(static_cast<size_t>(n) + 1);
  for (int64_t i = 0; i <= n; ++i) col.rowPtr[static_cast<size_t>(i)] = static_cast<int32_t>(i);
  col.colIdx.assign(static_cast<size_t>(n), 0);
  col.values.assign(static_cast<size_t>(n), 1.0);
  row.rows = 1;
  row.cols = n;
  row.rowPtr = {0, static_cast<int32_t>(n)};
  for (int64_t i = 0; i < n; ++i) row.colIdx.push_back(static_cast<int32_t>(i));
  row.values.assign(static_cast<size_t>(n), 1.0);
  CHECK(throws([&] { csr::kron(view(col), view(row), S); }, "ERR_UNSUPPORTED", "B",
               "2147488281 entries, more than 2^31 - 1"));

  csr::identity(4, S);
  CHECK(canonical(S) && S.values.size() == 4);
  CHECK(same(dense(S), {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}));
  csr::identity(0, S);
  CHECK(S.rows == 0 && S.rowPtr.size() == 1);
  const double dd[] = {2, 0, -1};
  csr::diagonal_matrix(dd, 3, S);
  CHECK(canonical(S) && S.values.size() == 2);  // the zero is not stored (scipy diags → csr)
  CHECK(same(dense(S), {2, 0, 0, 0, 0, 0, 0, 0, -1}));
}

}  // namespace

int main() {
  std::printf("csr_ops_tests (SIMD: %s)\n", simd_name(detect_simd()));
  test_add();
  test_matmul();
  test_slice();
  test_kron_stack_diag();
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
