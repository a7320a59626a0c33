#include "tessera/nn/linear.h"

#include <cmath>

#include "tessera/nn/functional.h"
#include "tessera/nn/init.h"
#include "tessera/ops/creation.h"

namespace tessera::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool with_bias, DType dtype)
    : in_features(in_features), out_features(out_features) {
  check<ValueError>(in_features >= 0 && out_features >= 0, "Linear: sizes must be >= 0, got ", in_features, ", ",
                    out_features);
  weight = register_parameter("weight", empty({out_features, in_features}, dtype));
  if (with_bias) bias = register_parameter("bias", empty({out_features}, dtype));
  reset_parameters();
}

void Linear::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = in_features > 0 ? 1.0 / std::sqrt(double(in_features)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& input) {
  check<ShapeError>(input.dim() >= 1 && input.size(-1) == in_features, "Linear(", in_features, ", ", out_features,
                    "): expected input [*, ", in_features, "], got ", shape_of(input));
  return functional::linear(input, weight, bias);
}

std::string Linear::extra_repr() const {
  return cat("in_features=", in_features, ", out_features=", out_features,
             ", bias=", bias.defined() ? "True" : "False");
}

std::string Flatten::extra_repr() const { return cat("start_dim=", start_dim, ", end_dim=", end_dim); }

Tensor Unflatten::forward(const Tensor& input) {
  const int64_t d = wrap_dim(dim, input.dim(), "Unflatten");
  Shape s(input.shape().begin(), input.shape().begin() + d);
  s.insert(s.end(), sizes.begin(), sizes.end());
  s.insert(s.end(), input.shape().begin() + d + 1, input.shape().end());
  return input.reshape(s);
}

std::string Unflatten::extra_repr() const { return cat("dim=", dim, ", unflattened_size=", shape_str(sizes)); }

}  // namespace tessera::nn
