// fused_elementwise: the program evaluated in one loop equals the ops run one by one; bad programs are errors.
#include "testing.h"

namespace tessera::testing {
namespace {

FusedElementwiseAttrs program(int32_t inputs, std::vector<FusedInstr> p) {
  FusedElementwiseAttrs a;
  a.num_inputs = inputs;
  a.program = std::move(p);
  return a;
}

TEST(FusedElementwise, EveryInstructionMatchesItsOp) {
  // 1200 elements: several 512-element blocks and a partial one.
  Tensor x = rand({1200}, kFloat64) + 0.5, y = rand({1200}, kFloat64) - 0.5, s = full({}, 0.75, kFloat64);
  struct Case {
    FusedOp op;
    Tensor expected;
  };
  std::vector<Case> cases = {
      {FusedOp::kAdd, x + y * 2.0},
      {FusedOp::kSub, x - y * 2.0},
      {FusedOp::kMul, x * y},
      {FusedOp::kDiv, x / y},
      {FusedOp::kMaximum, maximum(x, y)},
      {FusedOp::kMinimum, minimum(x, y)},
      {FusedOp::kNeg, -x},
      {FusedOp::kAbs, abs(y)},
      {FusedOp::kExp, exp(x)},
      {FusedOp::kLog, log(x)},
      {FusedOp::kSqrt, sqrt(x)},
      {FusedOp::kRsqrt, rsqrt(x)},
      {FusedOp::kSin, sin(x)},
      {FusedOp::kCos, cos(x)},
      {FusedOp::kTanh, tanh(y)},
      {FusedOp::kSigmoid, sigmoid(y)},
      {FusedOp::kRelu, relu(y)},
      {FusedOp::kSquare, square(y)},
      {FusedOp::kReciprocal, reciprocal(x)},
  };
  for (const Case& c : cases) {
    const bool bin = is_binary(c.op);
    const bool absy = c.op == FusedOp::kAbs || c.op == FusedOp::kTanh || c.op == FusedOp::kSigmoid ||
                      c.op == FusedOp::kRelu || c.op == FusedOp::kSquare;
    FusedInstr ins{.op = c.op, .a = absy ? 1 : 0, .b = bin ? 1 : -1, .alpha = 2.0};
    Tensor r = fused_elementwise({x, y}, program(2, {ins}));
    expect_close(doubles(r), doubles(c.expected), 1e-15, 1e-15);
  }
  // A chain with a broadcast scalar: relu(exp(x * s) - y).
  Tensor r = fused_elementwise({x, s, y}, program(3, {{.op = FusedOp::kMul, .a = 0, .b = 1},
                                                      {.op = FusedOp::kExp, .a = 3},
                                                      {.op = FusedOp::kSub, .a = 4, .b = 2},
                                                      {.op = FusedOp::kRelu, .a = 5}}));
  expect_close(doubles(r), doubles(relu(exp(x * s) - y)), 1e-15, 1e-15);
}

TEST(FusedElementwise, Float32NonContiguousAndEmpty) {
  Tensor x = rand({3, 4}).t(), y = rand({4, 3});
  Tensor r = fused_elementwise({x, y}, program(2, {{.op = FusedOp::kMul, .a = 0, .b = 1}}));
  EXPECT_EQ(r.dtype(), kFloat32);
  expect_close(doubles(r), doubles(x * y), 1e-7, 1e-7);
  EXPECT_EQ(fused_elementwise({zeros({0, 2})}, program(1, {{.op = FusedOp::kExp, .a = 0}})).shape(), (Shape{0, 2}));
}

TEST(FusedElementwise, Errors) {
  auto one = program(2, {{.op = FusedOp::kAdd, .a = 0, .b = 1}});
  expect_error<ShapeError>(
      [&] {
        fused_elementwise({zeros({2, 3}), zeros({3})}, one);
      },
      {"fused_elementwise", "[3]", "[2, 3]"});
  expect_error<DTypeError>([&] { fused_elementwise({zeros({2}), zeros({2}, kFloat64)}, one); }, "fused_elementwise");
  expect_error<DTypeError>([&] { fused_elementwise({zeros({2}, kInt64), zeros({2}, kInt64)}, one); }, "float32");
  expect_error<ValueError>([&] { fused_elementwise({zeros({2})}, one); }, "expected 2 inputs");
  expect_error<ValueError>(
      [&] {
        fused_elementwise({zeros({2}), zeros({2})}, program(2, {{.op = FusedOp::kExp, .a = 2}}));
      },
      "not yet written");
}

}  // namespace
}  // namespace tessera::testing
