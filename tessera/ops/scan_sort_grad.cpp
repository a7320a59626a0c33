// Gradient rules of the scans and sorts (PyTorch 1.13 conventions), written with Tessera ops so they can be
// differentiated again. sort/topk/kthvalue route g to the indices they returned; their indices output gets none.
#include "tessera/ops/binary.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/reduce_grad.h"
#include "tessera/ops/scan_sort.h"
#include "tessera/ops/shape.h"

namespace tessera::reduce_grad {

namespace {

// Sum of t[j] over j >= i along `d` (a suffix sum).
Tensor reverse_cumsum(const Tensor& t, int64_t d) { return flip(cumsum(flip(t, {d}), d), {d}); }

int64_t cum_dim(const OpCall& c) {
  return wrap_dim(attrs_as<CumAttrs>(c.attrs).dim, static_cast<int64_t>(c.input_types[0].shape.size()),
                  c.def.name.c_str());
}

}  // namespace

// x_i appears in every out_j with j >= i.
Grads cumsum_vjp(const OpCall& c, std::span<const Tensor> g) {
  if (c.input_types[0].shape.empty()) return {g[0]};
  return {reverse_cumsum(g[0], cum_dim(c))};
}

// d out_j / d x_i = out_j / x_i for j >= i, so the gradient is the suffix sum of g * out divided by x. Correct
// for nonzero x only: a zero gives inf/NaN here, where PyTorch's cumprod_backward has a separate exact path.
Grads cumprod_vjp(const OpCall& c, std::span<const Tensor> g) {
  if (c.input_types[0].shape.empty()) return {g[0]};
  const Tensor x = c.inputs[0].to(c.output_types[0].dtype);
  return {reverse_cumsum(g[0] * c.outputs[0], cum_dim(c)) / x};
}

Grads sort_vjp(const OpCall& c, std::span<const Tensor> g) {
  return select_along_vjp(c, g[0], attrs_as<SortAttrs>(c.attrs).dim, /*keepdim=*/true);
}

Grads topk_vjp(const OpCall& c, std::span<const Tensor> g) {
  return select_along_vjp(c, g[0], attrs_as<TopkAttrs>(c.attrs).dim, /*keepdim=*/true);
}

Grads kthvalue_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<KthvalueAttrs>(c.attrs);
  return select_along_vjp(c, g[0], a.dim, a.keepdim);
}

namespace {

template <class A>
OpSample sample(const Tensor& x, A a, const char* label) {
  return {{x}, std::make_shared<A>(std::move(a)), label};
}

}  // namespace

std::vector<OpSample> cum_samples() {
  const Tensor m = sample_matrix();
  auto attrs = [](int64_t dim) {
    CumAttrs a;
    a.dim = dim;
    return a;
  };
  return {sample(m, attrs(1), "dim 1 of [3,4]"), sample(m.t(), attrs(0), "dim 0, transposed [4,3]"),
          sample(m.reshape({2, 3, 2}), attrs(-2), "dim -2 of [2,3,2]"),
          sample(m.select(0, 0).select(0, 1), attrs(0), "0-d")};
}

std::vector<OpSample> sort_samples() {
  const Tensor m = sample_matrix();
  auto attrs = [](int64_t dim, bool descending) {
    SortAttrs a;
    a.dim = dim;
    a.descending = descending;
    return a;
  };
  return {sample(m, attrs(-1, false), "dim -1 of [3,4]"),
          sample(m.t(), attrs(0, true), "dim 0, descending, transposed"),
          sample(m.select(0, 0).select(0, 1), attrs(0, false), "0-d")};
}

std::vector<OpSample> topk_samples() {
  const Tensor m = sample_matrix();
  auto attrs = [](int64_t k, int64_t dim, bool largest) {
    TopkAttrs a;
    a.k = k;
    a.dim = dim;
    a.largest = largest;
    return a;
  };
  return {sample(m, attrs(2, 1, true), "k 2, dim 1 of [3,4]"),
          sample(m.t(), attrs(3, 0, false), "k 3, dim 0, smallest, transposed [4,3]"),
          sample(m.reshape({2, 3, 2}), attrs(1, -2, true), "k 1, dim -2 of [2,3,2]")};
}

std::vector<OpSample> kthvalue_samples() {
  const Tensor m = sample_matrix();
  auto attrs = [](int64_t k, int64_t dim, bool keepdim) {
    KthvalueAttrs a;
    a.k = k;
    a.dim = dim;
    a.keepdim = keepdim;
    return a;
  };
  return {sample(m, attrs(2, 1, false), "k 2, dim 1 of [3,4]"),
          sample(m.t(), attrs(3, 0, true), "k 3, dim 0, keepdim, transposed [4,3]"),
          sample(m.select(0, 0).select(0, 1), attrs(1, 0, false), "0-d")};
}

}  // namespace tessera::reduce_grad
