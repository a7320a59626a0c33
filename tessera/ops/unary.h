#pragma once
// Elementwise functions of one tensor (torch.exp, torch.abs, torch.nn.functional.gelu, torch.clamp, ...). Each
// returns a new tensor of x's shape (0-d and zero-size included); float16/bfloat16 compute in float and round once.
//
// Output dtypes follow PyTorch:
// - sign-and-magnitude ops (neg, abs, relu, relu6, floor, ceil, round, trunc) keep x's dtype; DTypeError for bool;
// - sign and nan_to_num keep every dtype, bool included; square keeps x's dtype but bool gives int64;
// - float math (exp ... reciprocal) keeps floating dtypes and gives float32 for integer and bool input;
// - activations (leaky_relu, elu, softplus, gelu, silu) need a floating x (DTypeError otherwise), as in PyTorch.
#include <optional>
#include <string_view>

#include "tessera/ops/op.h"

namespace tessera {

/// Attributes of `leaky_relu`.
struct LeakyReluAttrs final : AttrsOf<LeakyReluAttrs> {
  double negative_slope = 0.01;
  std::string repr() const override;
};
/// Attributes of `elu`.
struct EluAttrs final : AttrsOf<EluAttrs> {
  double alpha = 1.0;
  std::string repr() const override;
};
/// Attributes of `softplus`.
struct SoftplusAttrs final : AttrsOf<SoftplusAttrs> {
  double beta = 1.0, threshold = 20.0;
  std::string repr() const override;
};
/// Attributes of `gelu`: tanh=true is approximate="tanh".
struct GeluAttrs final : AttrsOf<GeluAttrs> {
  bool tanh = false;
  std::string repr() const override;
};
/// Attributes of `clamp`: absent bounds do not clamp.
struct ClampAttrs final : AttrsOf<ClampAttrs> {
  std::optional<Scalar> min, max;
  std::string repr() const override;
};
/// Attributes of `nan_to_num`, resolved to numbers by nan_to_num() (defaults depend on the dtype).
struct NanToNumAttrs final : AttrsOf<NanToNumAttrs> {
  double nan = 0.0, posinf = 0.0, neginf = 0.0;
  std::string repr() const override;
};

/// -x (torch.neg). Integers wrap (-INT_MIN == INT_MIN). DTypeError for bool (use logical_not).
Tensor neg(const Tensor& x);
/// |x| (torch.abs). DTypeError for bool. Gradient g * sign(x): 0 at x = 0.
Tensor abs(const Tensor& x);
/// -1, 0 or 1 by the sign of x (torch.sign); sign(nan) = 0; bool stays bool. Gradient zero everywhere.
Tensor sign(const Tensor& x);
/// x * x (torch.square); bool gives int64.
Tensor square(const Tensor& x);

// Float math: floating x keeps its dtype, integer and bool x give float32. Domain errors give nan (log(-1)),
// poles give inf (log(0) = -inf, reciprocal(0) = inf), as in PyTorch; so do gradients (sqrt's gradient at 0 is inf).
Tensor exp(const Tensor& x);
Tensor exp2(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor log2(const Tensor& x);
Tensor log10(const Tensor& x);
Tensor sqrt(const Tensor& x);
/// 1 / sqrt(x).
Tensor rsqrt(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tan(const Tensor& x);
Tensor tanh(const Tensor& x);
/// 1 / (1 + exp(-x)).
Tensor sigmoid(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor erfc(const Tensor& x);
/// 1 / x.
Tensor reciprocal(const Tensor& x);

// Rounding (integers are returned unchanged, as copies). round rounds half to even, like torch.round.
// Their gradient is zero everywhere, as in PyTorch.
Tensor floor(const Tensor& x);
Tensor ceil(const Tensor& x);
Tensor round(const Tensor& x);
Tensor trunc(const Tensor& x);

/// max(x, 0) (torch.relu); nan stays nan. Keeps integer dtypes; DTypeError for bool. Gradient 0 at x = 0.
Tensor relu(const Tensor& x);
/// min(max(x, 0), 6) (torch.nn.functional.relu6). Keeps integer dtypes; DTypeError for bool. Gradient 1 only
/// strictly inside (0, 6) (PyTorch's hardtanh): 0 at x = 0 and x = 6.
Tensor relu6(const Tensor& x);
/// x if x > 0 else negative_slope * x (torch.nn.functional.leaky_relu). Floating x only. Gradient at 0:
/// negative_slope.
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
/// x if x > 0 else alpha * (exp(x) - 1) (torch.nn.functional.elu). Floating x only. Gradient at 0: alpha.
Tensor elu(const Tensor& x, double alpha = 1.0);
/// log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold (torch.nn.functional.softplus).
/// Floating x only.
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
/// x * Phi(x) with the exact erf form, or its tanh approximation for approximate = "tanh"
/// (torch.nn.functional.gelu). ValueError for another `approximate`; floating x only.
Tensor gelu(const Tensor& x, std::string_view approximate = "none");
/// x * sigmoid(x) (torch.nn.functional.silu). Floating x only.
Tensor silu(const Tensor& x);

/// min(max(x, min), max) (torch.clamp); min > max gives max everywhere, nan stays nan. The dtype is
/// result_type(x, min, max) with the bounds as plain numbers (clamp(int_tensor, 0.5) is float32). Integer bounds
/// outside an integer dtype's range saturate. ValueError when both bounds are absent; DTypeError when the result
/// would be bool. The gradient passes where min <= x <= max (bounds inclusive) and is 0 elsewhere and at nan.
Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
/// clamp(x, min, none) and clamp(x, none, max).
Tensor clamp_min(const Tensor& x, Scalar min);
Tensor clamp_max(const Tensor& x, Scalar max);

/// Replaces nan, +inf and -inf by finite numbers (torch.nan_to_num): by default 0, the dtype's largest and its
/// lowest finite value. Integer and bool tensors are returned unchanged (as copies).
Tensor nan_to_num(const Tensor& x, std::optional<double> nan = 0.0, std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);

}  // namespace tessera
