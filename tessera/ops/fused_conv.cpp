// fused_conv2d's shape rule and user function (ops/fused_conv.h); its CPU kernel is in
// backend/cpu/conv_kernels.cpp.
#include "tessera/ops/fused_conv.h"

#include "tessera/ops/apply.h"
#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"

namespace tessera {
namespace {

std::vector<TensorType> fused_conv_infer(std::span<const TensorType> in, const Attrs& attrs) {
  check<ValueError>(in.size() == 2 || in.size() == 3, "fused_conv2d: expected input, weight and an optional bias, got ",
                    in.size(), " operands");
  const TensorType out = conv2d_output_type("fused_conv2d", in[0], in[1], attrs_as<FusedConv2dAttrs>(attrs).conv);
  if (in.size() == 3) {
    const int64_t c_out = out.shape[1];
    check<ShapeError>(in[2].shape == Shape{c_out}, "fused_conv2d: expected bias [", c_out, "], got ",
                      fmt_shape(in[2].shape));
    check<DTypeError>(in[2].dtype == in[0].dtype, "fused_conv2d: expected a ", in[0].dtype, " bias, got ", in[2].dtype);
  }
  return {out};
}

}  // namespace

std::string FusedConv2dAttrs::repr() const { return conv.repr() + (relu ? ", relu" : ""); }

void register_fused_conv_ops(Registry& r) {
  r.add({.name = "fused_conv2d", .infer = fused_conv_infer, .differentiability = Differentiability::NotDifferentiable});
}

Tensor fused_conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const FusedConv2dAttrs& attrs) {
  static const OpDef& d = op("fused_conv2d");
  std::vector<Tensor> in{input, weight};
  if (bias.defined()) in.push_back(bias);
  return apply1(d, in, attrs);
}

}  // namespace tessera
