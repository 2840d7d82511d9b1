// CSC format (native/formats/csc.hpp). Checks:
//  - validate accepts well-formed matrices (0×n, n×0, empty columns) and names colPtr / rowIdx /
//    values with the expected and received values for every defect, under each flag set;
//  - CSR → CSC → CSR round trips exactly on seeded random matrices; the results pass validate
//    with every check; repeated entries of unsorted input are summed in storage order;
//  - from_coo / from_dense (both layouts) / to_dense (both layouts) agree with the CSR ones;
//  - y = A x and y = Aᵀ x match a dense reference, and A x is bit for bit the same on 1, 2 and 3
//    threads and on the serial (unsorted) path;
//  - from_coo refuses more than 2^31 − 1 entries.
// Build and run:  test/native/build.sh csc_tests /tmp/out && /tmp/out/csc_tests

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "../../native/formats/csc.hpp"

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

// Seeded random CSR with sorted unique columns; about `density` of the entries, some empty rows.
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
        A.values.push_back(2.0 * g.next() - 1.0);
      }
    A.rowPtr[static_cast<size_t>(r) + 1] = static_cast<int32_t>(A.colIdx.size());
  }
  return A;
}

CsrView view(const csr::Owned& A) {
  return CsrView{A.rows, A.cols, A.rowPtr.data(), A.colIdx.data(), A.values.data()};
}
CscView view(const csc::Owned& A) {
  return CscView{A.rows, A.cols, A.colPtr.data(), A.rowIdx.data(), A.values.data()};
}

csr::Problem check(const csc::Owned& A, unsigned flags) {
  return csc::validate(A.rows, A.cols, A.colPtr.data(), static_cast<int64_t>(A.colPtr.size()),
                       A.rowIdx.data(), static_cast<int64_t>(A.rowIdx.size()), A.values.data(),
                       static_cast<int64_t>(A.values.size()), flags);
}

bool has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

csc::Owned make(int64_t rows, int64_t cols, std::vector<int32_t> cp, std::vector<int32_t> ri,
                std::vector<double> v) {
  csc::Owned A;
  A.rows = rows;
  A.cols = cols;
  A.colPtr = std::move(cp);
  A.rowIdx = std::move(ri);
  A.values = std::move(v);
  return A;
}

void test_validate() {
  // [[2, -1], [0, 3]]
  CHECK(check(make(2, 2, {0, 1, 3}, {0, 0, 1}, {2, -1, 3}), csr::kCheckAll).ok);
  CHECK(check(make(0, 3, {0, 0, 0, 0}, {}, {}), csr::kCheckAll).ok);
  CHECK(check(make(3, 0, {0}, {}, {}), csr::kCheckAll).ok);
  CHECK(check(make(3, 3, {0, 0, 2, 2}, {0, 2}, {1, 1}), csr::kCheckAll).ok);  // empty columns

  auto bad = [](const csc::Owned& A, unsigned flags, const char* arg, const char* part) {
    const csr::Problem p = check(A, flags);
    CHECK(!p.ok);
    CHECK(p.argument == arg);
    CHECK(has(p.message, part));
    if (!has(p.message, part)) std::fprintf(stderr, "  message: %s\n", p.message.c_str());
  };
  bad(make(2, 2, {0, 1}, {0}, {1}), csr::kCheckAll, "colPtr",
      "expected length cols + 1 = 3, received length 2");
  bad(make(2, 2, {1, 1, 2}, {0, 1}, {1, 1}), csr::kCheckAll, "colPtr",
      "expected colPtr[0] = 0, received 1");
  bad(make(2, 2, {0, 3, 2}, {0, 1}, {1, 1}), csr::kCheckAll, "colPtr", "colPtr[1] = 3");
  bad(make(2, 2, {0, 1, 2}, {0}, {1, 1}), csr::kCheckAll, "rowIdx",
      "expected length nnz = colPtr[cols] = 2, received length 1");
  bad(make(2, 2, {0, 1, 2}, {0, 1}, {1}), csr::kCheckAll, "values",
      "expected length nnz = colPtr[cols] = 2, received length 1");
  bad(make(2, 2, {0, 1, 2}, {0, 2}, {1, 1}), csr::kCheckAll, "rowIdx",
      "row indices in [0, 2), received rowIdx[1] = 2 in column 1");
  bad(make(2, 2, {0, 1, 2}, {-1, 0}, {1, 1}), csr::kCheckStructure, "rowIdx", "= -1 in column 0");
  bad(make(2, 1, {0, 2}, {1, 0}, {1, 1}), csr::kCheckAll, "rowIdx",
      "unsorted row 0 after 1 at rowIdx[1] in column 0");
  bad(make(2, 1, {0, 2}, {1, 1}, {1, 1}), csr::kCheckSorted, "rowIdx", "duplicate row 1 after 1");
  bad(make(2, 1, {0, 2}, {0, 1}, {1, NAN}), csr::kCheckAll, "values", "values[1] = NaN");
  bad(make(2, 1, {0, 1}, {0}, {-INFINITY}), csr::kCheckFinite, "values", "-Infinity");
  // kCheckSorted alone still keeps its scan inside rowIdx
  bad(make(2, 2, {0, 5, 2}, {0, 1}, {1, 1}), csr::kCheckSorted, "colPtr", "within [0, nnz]");
  // negative nnz; int32-extreme offsets are compared in 64 bits
  bad(make(2, 1, {0, -3}, {}, {}), 0, "colPtr", "colPtr[cols] >= 0");
  bad(make(2, 1, {0, INT32_MAX}, {}, {}), 0, "rowIdx", "2147483647");
  // single checks off: what they would reject passes
  CHECK(check(make(2, 1, {0, 2}, {1, 1}, {1, 1}), csr::kCheckStructure).ok);
  CHECK(check(make(2, 1, {0, 2}, {0, 1}, {1, NAN}), csr::kCheckStructure | csr::kCheckSorted).ok);
  CHECK(check(make(2, 2, {0, 1, 2}, {0, 7}, {1, 1}), 0).ok);
}

void test_round_trips() {
  const int64_t shapes[][2] = {{0, 0}, {0, 5}, {5, 0}, {1, 1}, {7, 13}, {13, 7}, {40, 40}};
  uint64_t seed = 1;
  for (const auto& sh : shapes)
    for (double density : {0.0, 0.2, 0.7}) {
      const csr::Owned A = random_csr(sh[0], sh[1], density, seed++);
      csc::Owned C;
      csc::from_csr(view(A), C);
      CHECK(C.rows == A.rows && C.cols == A.cols);
      CHECK(check(C, csr::kCheckAll).ok);
      csr::Owned B;
      csc::to_csr(view(C), B);
      CHECK(B.rowPtr == A.rowPtr);
      CHECK(B.colIdx == A.colIdx);
      CHECK(B.values == A.values);
      // dense copies agree in both layouts
      const size_t n = static_cast<size_t>(A.rows * A.cols);
      std::vector<double> dr(n + 1), dc(n + 1), cr(n + 1), cc(n + 1);
      csr::to_dense(view(A), dr.data());
      csc::to_dense(view(C), cr.data(), false);
      csc::to_dense(view(C), cc.data(), true);
      for (int64_t i = 0; i < A.rows; ++i)
        for (int64_t j = 0; j < A.cols; ++j)
          dc[static_cast<size_t>(j * A.rows + i)] = dr[static_cast<size_t>(i * A.cols + j)];
      CHECK(std::equal(dr.begin(), dr.begin() + static_cast<long>(n), cr.begin()));
      CHECK(std::equal(dc.begin(), dc.begin() + static_cast<long>(n), cc.begin()));
      // dense → CSC from either layout gives the same arrays
      csc::Owned D1, D2;
      CHECK(csc::from_dense(A.rows, A.cols, dr.data(), false, true, D1));
      CHECK(csc::from_dense(A.rows, A.cols, dc.data(), true, true, D2));
      CHECK(D1.colPtr == C.colPtr && D1.rowIdx == C.rowIdx && D1.values == C.values);
      CHECK(D2.colPtr == C.colPtr && D2.rowIdx == C.rowIdx && D2.values == C.values);
      // keeping zeros: every entry stored
      csc::Owned Z;
      CHECK(csc::from_dense(A.rows, A.cols, dr.data(), false, false, Z));
      CHECK(static_cast<int64_t>(Z.rowIdx.size()) == A.rows * A.cols);
      // from_coo on the CSR's triplets, shuffled order, gives C
      std::vector<int32_t> ri, ci;
      std::vector<double> v;
      for (int64_t r = A.rows - 1; r >= 0; --r)
        for (int32_t k = A.rowPtr[static_cast<size_t>(r)]; k < A.rowPtr[static_cast<size_t>(r) + 1];
             ++k) {
          ri.push_back(static_cast<int32_t>(r));
          ci.push_back(A.colIdx[static_cast<size_t>(k)]);
          v.push_back(A.values[static_cast<size_t>(k)]);
        }
      csc::Owned E;
      CHECK(csc::from_coo(A.rows, A.cols, static_cast<int64_t>(ri.size()), ri.data(), ci.data(),
                          v.data(), E));
      CHECK(E.colPtr == C.colPtr && E.rowIdx == C.rowIdx && E.values == C.values);
    }
}

void test_repeats() {
  // unsorted CSR with repeats: row 0: cols 2, 0, 2; row 1 empty; row 2: cols 1, 0, 1, 1
  csr::Owned A;
  A.rows = 3;
  A.cols = 3;
  A.rowPtr = {0, 3, 3, 7};
  A.colIdx = {2, 0, 2, 1, 0, 1, 1};
  A.values = {1, 2, 3, 4, 5, 6, 7};
  csc::Owned C;
  csc::from_csr(view(A), C);
  CHECK((C.colPtr == std::vector<int32_t>{0, 2, 3, 4}));
  CHECK((C.rowIdx == std::vector<int32_t>{0, 2, 2, 0}));
  CHECK((C.values == std::vector<double>{2, 5, 17, 4}));
  CHECK(check(C, csr::kCheckAll).ok);
  // COO repeats are summed in input order: (1 + 1e16) − 1e16 differs from 1 + (1e16 − 1e16)
  const int32_t ri[] = {0, 0, 0}, ci[] = {0, 0, 0};
  const double v[] = {1.0, 1e16, -1e16};
  csc::Owned E;
  CHECK(csc::from_coo(1, 1, 3, ri, ci, v, E));
  CHECK(E.values.size() == 1 && E.values[0] == (1.0 + 1e16) - 1e16);
  // more than 2^31 − 1 entries: refused before any array is read
  csc::Owned F;
  CHECK(!csc::from_coo(2, 2, int64_t{1} << 31, nullptr, nullptr, nullptr, F));
}

void test_products() {
  ThreadPool p1(1), p2(2), p3(3);
  const Kernels* k = kernels_for(detect_simd());
  const Engine e1{k, &p1}, e2{k, &p2}, e3{k, &p3};
  // small shapes against a dense reference, and one large enough for the threaded path
  const int64_t shapes[][2] = {{0, 4}, {4, 0}, {1, 1}, {9, 17}, {17, 9}, {3000, 300}};
  uint64_t seed = 100;
  for (const auto& sh : shapes) {
    const double density = sh[0] == 3000 ? 0.1 : 0.3;
    const csr::Owned A = random_csr(sh[0], sh[1], density, seed++);
    csc::Owned C;
    csc::from_csr(view(A), C);
    const CscView V = view(C);
    Lcg g{seed * 7};
    std::vector<double> x(static_cast<size_t>(A.cols) + 1), xt(static_cast<size_t>(A.rows) + 1);
    for (auto& t : x) t = 2.0 * g.next() - 1.0;
    for (auto& t : xt) t = 2.0 * g.next() - 1.0;
    // reference sums each y[i] over columns in order: the same order as csc::spmv
    std::vector<double> ref(static_cast<size_t>(A.rows) + 1, 0.0),
        reft(static_cast<size_t>(A.cols) + 1, 0.0);
    for (int64_t r = 0; r < A.rows; ++r)
      for (int32_t q = A.rowPtr[static_cast<size_t>(r)]; q < A.rowPtr[static_cast<size_t>(r) + 1];
           ++q) {
        ref[static_cast<size_t>(r)] += A.values[static_cast<size_t>(q)] *
                                       x[static_cast<size_t>(A.colIdx[static_cast<size_t>(q)])];
        reft[static_cast<size_t>(A.colIdx[static_cast<size_t>(q)])] +=
            A.values[static_cast<size_t>(q)] * xt[static_cast<size_t>(r)];
      }
    std::vector<double> y1(static_cast<size_t>(A.rows) + 1, NAN), y2 = y1, y3 = y1, ys = y1;
    csc::spmv(e1, V, x.data(), y1.data(), true);
    csc::spmv(e2, V, x.data(), y2.data(), true);
    csc::spmv(e3, V, x.data(), y3.data(), true);
    csc::spmv(e3, V, x.data(), ys.data(), false);
    double err = 0.0, errt = 0.0;
    for (int64_t i = 0; i < A.rows; ++i) {
      const size_t s = static_cast<size_t>(i);
      CHECK(y1[s] == y2[s] && y1[s] == y3[s] && y1[s] == ys[s]);
      err = std::fmax(err, std::fabs(y1[s] - ref[s]));
    }
    CHECK(err <= 1e-12);
    std::vector<double> t1(static_cast<size_t>(A.cols) + 1, NAN), t2 = t1;
    csc::spmv_transpose(e1, V, xt.data(), t1.data());
    csc::spmv_transpose(e3, V, xt.data(), t2.data());
    for (int64_t j = 0; j < A.cols; ++j) {
      const size_t s = static_cast<size_t>(j);
      CHECK(t1[s] == t2[s]);
      errt = std::fmax(errt, std::fabs(t1[s] - reft[s]));
    }
    CHECK(errt <= 1e-12);
  }
}

}  // namespace

int main() {
  std::printf("csc_tests (SIMD: %s)\n", simd_name(detect_simd()));
  test_validate();
  test_round_trips();
  test_repeats();
  test_products();
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
