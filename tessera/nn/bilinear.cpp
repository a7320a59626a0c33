#include "tessera/nn/bilinear.h"

#include <algorithm>
#include <cmath>

#include "tessera/nn/init.h"
#include "tessera/ops/linalg.h"
#include "tessera/ops/reduce.h"

namespace tessera::nn {

Bilinear::Bilinear(int64_t in1_features, int64_t in2_features, int64_t out_features, bool with_bias, DType dtype)
    : in1_features(in1_features), in2_features(in2_features), out_features(out_features) {
  check<ValueError>(in1_features >= 0 && in2_features >= 0 && out_features >= 0, "Bilinear: sizes must be >= 0, got ",
                    in1_features, ", ", in2_features, ", ", out_features);
  weight = register_parameter("weight", empty({out_features, in1_features, in2_features}, dtype));
  if (with_bias) bias = register_parameter("bias", empty({out_features}, dtype));
  reset_parameters();
}

void Bilinear::reset_parameters() {
  const double bound = in1_features > 0 ? 1.0 / std::sqrt(double(in1_features)) : 0.0;
  init::uniform_(weight, -bound, bound);
  if (bias.defined()) init::uniform_(bias, -bound, bound);
}

Tensor Bilinear::forward(const Tensor& input1, const Tensor& input2) {
  auto name = [&] { return cat("Bilinear(", in1_features, ", ", in2_features, ", ", out_features, ")"); };
  if (input1.dim() < 1 || input1.size(-1) != in1_features) {
    throw ShapeError(cat(name(), ": expected input1 [*, ", in1_features, "], got ", shape_of(input1)));
  }
  if (input2.dim() < 1 || input2.size(-1) != in2_features) {
    throw ShapeError(cat(name(), ": expected input2 [*, ", in2_features, "], got ", shape_of(input2)));
  }
  return functional::bilinear(input1, input2, weight, bias);
}

std::string Bilinear::extra_repr() const {
  return cat("in1_features=", in1_features, ", in2_features=", in2_features, ", out_features=", out_features,
             ", bias=", bias.defined() ? "True" : "False");
}

namespace functional {

Tensor bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight, const Tensor& bias) {
  check<ShapeError>(weight.dim() == 3, "bilinear: expected weight [out, in1, in2], got ", fmt_shape(weight.shape()));
  const int64_t out = weight.size(0), in1 = weight.size(1), in2 = weight.size(2);
  const bool leading_match = input1.dim() == input2.dim() &&
                             std::equal(input1.shape().begin(), input1.shape().end() - 1, input2.shape().begin());
  check<ShapeError>(
      input1.dim() >= 1 && input2.dim() >= 1 && leading_match && input1.size(-1) == in1 && input2.size(-1) == in2,
      "bilinear: inputs ", fmt_shape(input1.shape()), " and ", fmt_shape(input2.shape()), " do not match weight ",
      fmt_shape(weight.shape()), " (expected [*, ", in1, "] and [*, ", in2, "] with equal leading dims)");
  if (bias.defined()) {
    check<ShapeError>(bias.dim() == 1 && bias.size(0) == out, "bilinear: expected bias [", out, "], got ",
                      fmt_shape(bias.shape()));
  }
  // t[b, o, j] = sum_i x1[b, i] W[o, i, j], then y[b, o] = sum_j t[b, o, j] x2[b, j].
  const Tensor x1 = input1.reshape({-1, in1}), x2 = input2.reshape({-1, in2});
  const Tensor t = matmul(x1, weight.permute({1, 0, 2}).reshape({in1, out * in2})).view({-1, out, in2});
  Tensor y = (t * x2.unsqueeze(1)).sum({2});
  if (bias.defined()) y = y + bias;
  Shape s(input1.shape().begin(), input1.shape().end() - 1);
  s.push_back(out);
  return y.reshape(s);
}

}  // namespace functional
}  // namespace tessera::nn
