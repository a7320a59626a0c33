#pragma once
// fused_elementwise: a chain of elementwise ops evaluated in one loop over the data (made by graph mode's
// fusion pass, graph/passes/fuse_elementwise.cpp; not differentiable: fusion runs after differentiation).
// The program reads registers: 0..num_inputs-1 are the inputs, then one register per instruction in order; the
// last instruction's register is the output. Each block of elements stays in cache across the whole chain, so a
// chain of k ops reads and writes memory once instead of k times.
#include <optional>
#include <string_view>
#include <vector>

#include "tessera/ops/op.h"

namespace tessera {

enum class FusedOp : uint8_t {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMaximum,
  kMinimum,  // binary
  kNeg,
  kAbs,
  kExp,
  kLog,
  kSqrt,
  kRsqrt,
  kSin,
  kCos,
  kTanh,
  kSigmoid,
  kRelu,
  kSquare,
  kReciprocal  // unary
};

struct FusedInstr {
  FusedOp op = FusedOp::kAdd;
  int32_t a = 0, b = -1;  ///< Operand registers (b = -1 for unary ops).
  double alpha = 1;       ///< add/sub: a + alpha * b (torch.add's alpha).
  bool operator==(const FusedInstr&) const = default;
};

struct FusedElementwiseAttrs final : AttrsOf<FusedElementwiseAttrs> {
  int32_t num_inputs = 0;
  std::vector<FusedInstr> program;
  std::string repr() const override;  ///< "r2=mul(r0,r1); r3=exp(r2)"
};

/// The FusedOp of a registered elementwise op name ("mul", "tanh"), or nullopt when it cannot be fused.
std::optional<FusedOp> fusable_op(std::string_view name);
/// True for the binary FusedOps.
inline bool is_binary(FusedOp op) { return op <= FusedOp::kMinimum; }

/// Runs `program` over `inputs`: all of one float dtype (float32/float64), each either of the output's shape or
/// with one element (broadcast). ShapeError / DTypeError otherwise, naming fused_elementwise.
Tensor fused_elementwise(const std::vector<Tensor>& inputs, const FusedElementwiseAttrs& attrs);

}  // namespace tessera
