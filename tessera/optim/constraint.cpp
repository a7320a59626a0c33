#include "tessera/optim/constraint.h"

#include "tessera/autograd/grad_mode.h"
#include "tessera/ops/compare.h"
#include "tessera/ops/reduce.h"
#include "tessera/ops/unary.h"

namespace tessera::optim {
namespace {

/// The L2 norm of each slice of `p` along `dim`, kept as a size-1 dim elsewhere so it broadcasts against `p`.
Tensor slice_norms(const Tensor& p, int64_t dim, const char* who) {
  const int64_t nd = p.dim();
  const int64_t d = dim < 0 ? dim + std::max<int64_t>(nd, 1) : dim;
  check<IndexError>(d >= 0 && d < std::max<int64_t>(nd, 1), who, ": dim ", dim,
                    " is out of range for a parameter of shape ", shape_str(p.shape()));
  std::vector<int64_t> others;
  for (int64_t i = 0; i < nd; ++i) {
    if (i != d) others.push_back(i);
  }
  // Each element is its own slice for 0-d and 1-d parameters (an empty dims list would mean "all dims").
  return others.empty() ? abs(p) : norm(p, 2.0, others, /*keepdim=*/true);
}

}  // namespace

Constraint max_norm(double max_value, int64_t dim) {
  check<ValueError>(max_value >= 0.0, "max_norm: max_value must be >= 0, got ", max_value);
  return [max_value, dim](Tensor& p) {
    NoGradGuard no_grad;
    Tensor n = slice_norms(p, dim, "max_norm");
    p.copy_(p * where(n > max_value, max_value / (n + 1e-7), 1.0));  // torch.renorm's factor
  };
}

Constraint unit_norm(int64_t dim) {
  return [dim](Tensor& p) {
    NoGradGuard no_grad;
    p.copy_(p / clamp_min(slice_norms(p, dim, "unit_norm"), 1e-12));
  };
}

Constraint non_neg() {
  return [](Tensor& p) {
    NoGradGuard no_grad;
    p.copy_(clamp_min(p, 0.0));
  };
}

}  // namespace tessera::optim
