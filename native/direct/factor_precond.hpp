// A sparse direct factor as a Krylov preconditioner: z = A⁻¹ r through a CholeskyFactor or an
// LuFactor, so a factor object passed as a solver's `preconditioner` runs natively (no round trip
// through JS). With the factor of A itself, CG/GMRES converge in one iteration; with the factor
// of a nearby matrix (an earlier time step, a simplified operator) it is a strong preconditioner.
// Pure C++ (no Node).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>

#include "../krylov/krylov.hpp"

namespace itersolve {
namespace direct {

class CholeskyFactor;
class LuFactor;

// A factor and the count of the operations using it (solves in flight, preconditioners alive).
// The binding holds one per JS factor object; refactor must not run while `users` is nonzero
// (bindings/direct.cpp rejects it), because it rewrites the factor in place.
struct SharedFactor {
  std::shared_ptr<CholeskyFactor> chol;  // exactly one of the two is set
  std::shared_ptr<LuFactor> lu;
  std::atomic<int64_t> users{0};
  std::atomic<bool> refactoring{false};
  int64_t n() const;
};

// Counts one user of a SharedFactor for its lifetime.
class FactorLease {
 public:
  explicit FactorLease(std::shared_ptr<SharedFactor> f) : f_(std::move(f)) {
    if (f_) f_->users.fetch_add(1);
  }
  ~FactorLease() {
    if (f_) f_->users.fetch_sub(1);
  }
  FactorLease(const FactorLease&) = delete;
  FactorLease& operator=(const FactorLease&) = delete;
  const std::shared_ptr<SharedFactor>& get() const { return f_; }

 private:
  std::shared_ptr<SharedFactor> f_;
};

// kind() "cholesky" or "lu"; size() = n; apply() is const and thread-safe (the factors' solve is).
// The preconditioner holds a lease on the factor for as long as it lives.
std::unique_ptr<Preconditioner> make_factor_preconditioner(std::shared_ptr<SharedFactor> f);

}  // namespace direct
}  // namespace itersolve
