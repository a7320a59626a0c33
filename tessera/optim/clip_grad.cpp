#include "tessera/optim/clip_grad.h"

#include <algorithm>
#include <cmath>

#include "tessera/autograd/grad_mode.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/reduce.h"
#include "tessera/optim/fused.h"

namespace tessera::optim {
namespace {

/// Rewrites each element x of p's gradient (in place, any dtype or layout) as f(x).
template <class F>
void map_grad(const Tensor& p, const F& f) {
  Tensor g = p.grad();
  detail::update_elementwise(g, g, {}, [=](auto& x, auto, auto) { x = f(x); });
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  NoGradGuard no_grad;
  std::vector<double> norms;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (g.defined()) norms.push_back(norm(g, norm_type).item<double>());
  }
  if (norms.empty()) return 0.0;
  const double total = norm(from_vector(norms), norm_type).item<double>();
  check<ValueError>(!error_if_nonfinite || std::isfinite(total), "clip_grad_norm_: the total norm of order ", norm_type,
                    " for gradients is non-finite (", total,
                    "), so it cannot be clipped; pass error_if_nonfinite = false to scale by it anyway");
  const double coef = max_norm / (total + 1e-6);
  if (coef >= 1.0) return total;  // PyTorch multiplies by min(coef, 1): a no-op here
  for (const Tensor& p : params) {
    if (p.grad().defined()) map_grad(p, [coef](auto x) { return x * coef; });
  }
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  check<ValueError>(clip_value >= 0.0, "clip_grad_value_: clip_value must be >= 0, got ", clip_value);
  NoGradGuard no_grad;
  for (const Tensor& p : params) {
    if (p.grad().defined())
      map_grad(p, [clip_value](auto x) { return std::clamp<double>(x, -clip_value, clip_value); });
  }
}

}  // namespace tessera::optim
