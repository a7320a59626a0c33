// CPU kernels of comparisons, predicates, logical ops and where (ops/compare.h). Comparisons compute in the
// promoted input dtype and logical ops in bool (Note [Elementwise functors] in elementwise.h).
#include <cmath>

#include "tessera/backend/cpu/elementwise.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

// clang-format off
template <class T> struct Eq { bool operator()(T a, T b) const { return a == b; } };
template <class T> struct Ne { bool operator()(T a, T b) const { return a != b; } };
template <class T> struct Lt { bool operator()(T a, T b) const { return a < b; } };
template <class T> struct Le { bool operator()(T a, T b) const { return a <= b; } };
template <class T> struct Gt { bool operator()(T a, T b) const { return a > b; } };
template <class T> struct Ge { bool operator()(T a, T b) const { return a >= b; } };
template <class T> struct And { bool operator()(T a, T b) const { return a && b; } };
template <class T> struct Or { bool operator()(T a, T b) const { return a || b; } };
template <class T> struct Xor { bool operator()(T a, T b) const { return a != b; } };
template <class T> struct Not { bool operator()(T a) const { return !a; } };
// clang-format on

template <class T>
struct IsNan {
  bool operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::isnan(x);
    else
      return false;
  }
};
template <class T>
struct IsInf {
  bool operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::isinf(x);
    else
      return false;
  }
};
template <class T>
struct IsFinite {
  bool operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::isfinite(x);
    else
      return true;
  }
};

// where(cond, a, b): a selection, so 16-bit floats are copied, not widened.
std::vector<Tensor> where_kernel(std::span<const Tensor> in, const Attrs&, std::span<const TensorType> out) {
  Tensor y = empty_of(out[0]);
  Tensor a = cast_to(in[1], y.dtype()), b = cast_to(in[2], y.dtype());
  visit_dtype(y.dtype(), [&]<class T>() {
    map<T, bool, T, T>(y, [](bool c, T x, T z) { return c ? x : z; }, {in[0], a, b});
  });
  return {y};
}

}  // namespace

void register_compare_kernels(Registry& r) {
  constexpr Types kAll = Types::kAll, kBoolOnly = Types::kBool;
  constexpr ComputeIn kPromoted = ComputeIn::kPromoted, kInBool = ComputeIn::kBool;
  r.set_kernel("eq", kCPU, elementwise_kernel<Eq, kAll, 2, kPromoted>);
  r.set_kernel("ne", kCPU, elementwise_kernel<Ne, kAll, 2, kPromoted>);
  r.set_kernel("lt", kCPU, elementwise_kernel<Lt, kAll, 2, kPromoted>);
  r.set_kernel("le", kCPU, elementwise_kernel<Le, kAll, 2, kPromoted>);
  r.set_kernel("gt", kCPU, elementwise_kernel<Gt, kAll, 2, kPromoted>);
  r.set_kernel("ge", kCPU, elementwise_kernel<Ge, kAll, 2, kPromoted>);
  r.set_kernel("logical_and", kCPU, elementwise_kernel<And, kBoolOnly, 2, kInBool>);
  r.set_kernel("logical_or", kCPU, elementwise_kernel<Or, kBoolOnly, 2, kInBool>);
  r.set_kernel("logical_xor", kCPU, elementwise_kernel<Xor, kBoolOnly, 2, kInBool>);
  r.set_kernel("logical_not", kCPU, elementwise_kernel<Not, kBoolOnly, 1, kInBool>);
  r.set_kernel("isnan", kCPU, elementwise_kernel<IsNan, kAll, 1, kPromoted>);
  r.set_kernel("isinf", kCPU, elementwise_kernel<IsInf, kAll, 1, kPromoted>);
  r.set_kernel("isfinite", kCPU, elementwise_kernel<IsFinite, kAll, 1, kPromoted>);
  r.set_kernel("where", kCPU, where_kernel);
}

}  // namespace tessera::cpu
