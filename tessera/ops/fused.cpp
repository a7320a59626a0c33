#include "tessera/ops/fused.h"

#include <array>
#include <utility>

#include "tessera/ops/apply.h"
#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"

namespace tessera {
namespace {

constexpr std::array<std::pair<std::string_view, FusedOp>, 19> kFusable = {{
    {"add", FusedOp::kAdd},
    {"sub", FusedOp::kSub},
    {"mul", FusedOp::kMul},
    {"div", FusedOp::kDiv},
    {"maximum", FusedOp::kMaximum},
    {"minimum", FusedOp::kMinimum},
    {"neg", FusedOp::kNeg},
    {"abs", FusedOp::kAbs},
    {"exp", FusedOp::kExp},
    {"log", FusedOp::kLog},
    {"sqrt", FusedOp::kSqrt},
    {"rsqrt", FusedOp::kRsqrt},
    {"sin", FusedOp::kSin},
    {"cos", FusedOp::kCos},
    {"tanh", FusedOp::kTanh},
    {"sigmoid", FusedOp::kSigmoid},
    {"relu", FusedOp::kRelu},
    {"square", FusedOp::kSquare},
    {"reciprocal", FusedOp::kReciprocal},
}};

std::string_view op_name(FusedOp op) {
  for (const auto& [name, o] : kFusable) {
    if (o == op) return name;
  }
  return "?";
}

std::vector<TensorType> fused_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const auto& a = attrs_as<FusedElementwiseAttrs>(attrs);
  check<ValueError>(static_cast<int32_t>(in.size()) == a.num_inputs && !a.program.empty(),
                    "fused_elementwise: expected ", a.num_inputs, " inputs and a program, got ", in.size(),
                    " inputs and ", a.program.size(), " instructions");
  const TensorType* full = nullptr;
  for (const TensorType& t : in) {
    check<DTypeError>(t.dtype == kFloat32 || t.dtype == kFloat64,
                      "fused_elementwise: expected float32 or float64 "
                      "inputs, got ",
                      t.dtype);
    check<DTypeError>(t.dtype == in[0].dtype, "fused_elementwise: inputs of dtypes ", in[0].dtype, " and ", t.dtype);
    if (numel(t.shape) != 1 && !full) full = &t;
  }
  const Shape out = full ? full->shape : (in.empty() ? Shape{} : in[0].shape);
  for (const TensorType& t : in) {
    check<ShapeError>(numel(t.shape) == 1 || t.shape == out, "fused_elementwise: input of shape ", fmt_shape(t.shape),
                      " is neither the output's shape ", fmt_shape(out), " nor one element");
  }
  const int32_t regs = a.num_inputs + static_cast<int32_t>(a.program.size());
  for (size_t i = 0; i < a.program.size(); ++i) {
    const FusedInstr& ins = a.program[i];
    const int32_t self = a.num_inputs + static_cast<int32_t>(i);
    check<ValueError>(
        ins.a >= 0 && ins.a < self && (is_binary(ins.op) ? ins.b >= 0 && ins.b < self : ins.b == -1) && self < regs,
        "fused_elementwise: instruction ", i, " reads a register that is not yet written");
  }
  return {{in.empty() ? kFloat32 : in[0].dtype, out, in.empty() ? Device{} : in[0].device}};
}

}  // namespace

std::string FusedElementwiseAttrs::repr() const {
  std::string s;
  for (size_t i = 0; i < program.size(); ++i) {
    const FusedInstr& ins = program[i];
    s += cat(i ? "; " : "", "r", num_inputs + static_cast<int32_t>(i), "=", op_name(ins.op), "(r", ins.a);
    if (ins.b >= 0) s += cat(",r", ins.b);
    if (ins.alpha != 1.0) s += cat(",alpha=", ins.alpha);
    s += ")";
  }
  return s;
}

std::optional<FusedOp> fusable_op(std::string_view name) {
  for (const auto& [n, op] : kFusable) {
    if (n == name) return op;
  }
  return std::nullopt;
}

void register_fused_ops(Registry& r) {
  r.add({.name = "fused_elementwise", .infer = fused_infer, .differentiability = Differentiability::NotDifferentiable});
}

Tensor fused_elementwise(const std::vector<Tensor>& inputs, const FusedElementwiseAttrs& attrs) {
  static const OpDef& d = op("fused_elementwise");
  return apply1(d, std::span<const Tensor>(inputs), attrs);
}

}  // namespace tessera
