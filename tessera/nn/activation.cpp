#include "tessera/nn/activation.h"

#include <cmath>

#include "tessera/nn/functional.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/compare.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/softmax.h"
#include "tessera/ops/unary.h"

namespace tessera::nn {

Tensor mish(const Tensor& x) { return x * tanh(softplus(x)); }
Tensor softsign(const Tensor& x) { return x / (abs(x) + 1.0); }
Tensor hardsigmoid(const Tensor& x) { return relu6(x + 3.0) * (1.0 / 6.0); }
Tensor hardswish(const Tensor& x) { return x * hardsigmoid(x); }
Tensor selu(const Tensor& x) {
  // The constants of Klambauer et al. (2017), as PyTorch uses them.
  constexpr double kAlpha = 1.6732632423543772848170429916717, kScale = 1.0507009873554804934193349852946;
  return elu(x, kAlpha) * kScale;
}

Tensor LeakyReLU::forward(const Tensor& input) { return leaky_relu(input, negative_slope); }
std::string LeakyReLU::extra_repr() const { return cat("negative_slope=", negative_slope); }

Tensor ELU::forward(const Tensor& input) { return elu(input, alpha); }
std::string ELU::extra_repr() const { return cat("alpha=", alpha); }

Tensor CELU::forward(const Tensor& input) { return functional::celu(input, alpha); }
std::string CELU::extra_repr() const { return cat("alpha=", alpha); }

Tensor GELU::forward(const Tensor& input) { return gelu(input, approximate); }
std::string GELU::extra_repr() const { return cat("approximate='", approximate, "'"); }

Tensor Softplus::forward(const Tensor& input) { return softplus(input, beta, threshold); }
std::string Softplus::extra_repr() const { return cat("beta=", beta, ", threshold=", threshold); }

Tensor Softmax::forward(const Tensor& input) { return softmax(input, dim); }
Tensor LogSoftmax::forward(const Tensor& input) { return log_softmax(input, dim); }

PReLU::PReLU(int64_t num_parameters, double init, DType dtype) {
  check<ValueError>(num_parameters >= 1, "PReLU: num_parameters must be >= 1, got ", num_parameters);
  weight = register_parameter("weight", full({num_parameters}, init, dtype));
}

Tensor PReLU::forward(const Tensor& input) {
  Tensor a = weight;
  if (weight.numel() > 1) {
    check<ShapeError>(input.dim() >= 2 && input.size(1) == weight.numel(), "PReLU(", weight.numel(),
                      "): expected input [N, ", weight.numel(), ", *], got ", shape_of(input));
    Shape s(input.dim(), 1);
    s[1] = weight.numel();
    a = weight.view(s);
  }
  return relu(input) - a * relu(-input);
}

}  // namespace tessera::nn
