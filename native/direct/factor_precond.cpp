#include "factor_precond.hpp"

#include <cstring>

#include "cholesky.hpp"
#include "lu.hpp"

namespace itersolve {
namespace direct {

int64_t SharedFactor::n() const { return chol ? chol->n() : (lu ? lu->n() : 0); }

namespace {

class FactorPreconditioner final : public Preconditioner {
 public:
  explicit FactorPreconditioner(std::shared_ptr<SharedFactor> f) : lease_(std::move(f)) {}
  const char* kind() const override { return lease_.get()->chol ? "cholesky" : "lu"; }
  int64_t size() const override { return lease_.get()->n(); }
  bool apply(const Engine& e, const double* r, double* z) const override {
    const SharedFactor& f = *lease_.get();
    const int64_t n = f.n();
    if (z != r) std::memcpy(z, r, static_cast<size_t>(n) * sizeof(double));
    if (f.chol) f.chol->solve(e, z, 1, n);
    else f.lu->solve(e, z, 1, n);
    return true;
  }

 private:
  FactorLease lease_;
};

}  // namespace

std::unique_ptr<Preconditioner> make_factor_preconditioner(std::shared_ptr<SharedFactor> f) {
  return std::unique_ptr<Preconditioner>(new FactorPreconditioner(std::move(f)));
}

}  // namespace direct
}  // namespace itersolve
