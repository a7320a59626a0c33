// fused_conv2d's shape rule and user function (ops/fused_conv.h); its CPU kernel is in
// backend/cpu/conv_kernels.cpp.
#include "tessera/ops/fused_conv.h"

#include "tessera/ops/apply.h"
#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"

namespace tessera {
namespace {

// Rethrows conv2d's error `e` (same type) as fused_conv2d's.
template <class E>
[[noreturn]] void renamed(const E& e) {
  const std::string m = e.what();
  throw E(m.rfind("conv2d", 0) == 0 ? "fused_" + m : m);
}

std::vector<TensorType> fused_conv_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const auto& a = attrs_as<FusedConv2dAttrs>(attrs);
  check<ValueError>(in.size() == 2 || in.size() == 3, "fused_conv2d: expected input, weight and an optional bias, got ",
                    in.size(), " operands");
  static const OpDef& conv = op("conv2d");
  std::vector<TensorType> out;
  try {  // conv2d's checks, with messages naming the op the graph shows
    out = conv.infer(in.first(2), a.conv);
  } catch (const ShapeError& e) {
    renamed(e);
  } catch (const DTypeError& e) {
    renamed(e);
  } catch (const ValueError& e) {
    renamed(e);
  }
  if (in.size() == 3) {
    const int64_t c_out = out[0].shape[1];
    check<ShapeError>(in[2].shape == Shape{c_out}, "fused_conv2d: expected bias [", c_out, "], got ",
                      fmt_shape(in[2].shape));
    check<DTypeError>(in[2].dtype == in[0].dtype, "fused_conv2d: expected a ", in[0].dtype, " bias, got ", in[2].dtype);
  }
  return out;
}

}  // namespace

std::string FusedConv2dAttrs::repr() const { return conv.repr() + (relu ? ", relu" : ""); }

void register_fused_conv_ops(Registry& r) {
  r.add({.name = "fused_conv2d", .infer = fused_conv_infer, .differentiability = Differentiability::NotDifferentiable});
}

Tensor fused_conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const FusedConv2dAttrs& attrs) {
  static const OpDef& d = op("fused_conv2d");
  if (!bias.defined()) return apply1(d, std::vector<Tensor>{input, weight}, attrs);
  return apply1(d, std::vector<Tensor>{input, weight, bias}, attrs);
}

}  // namespace tessera
