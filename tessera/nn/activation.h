#pragma once
// Activation layers (torch.nn.ReLU, ...): each applies the elementwise op of the same name; shapes are kept.
#include <string>

#include "tessera/nn/module.h"
#include "tessera/ops/unary.h"

namespace tessera::nn {

/// A parameterless activation: `Activation<kReLUName, relu>`; the aliases below are what users name.
template <const char* kName, Tensor (*kFn)(const Tensor&)>
class Activation : public Module {
 public:
  Tensor forward(const Tensor& input) override { return kFn(input); }
  std::string type_name() const override { return kName; }
};

inline constexpr char kReLUName[] = "ReLU", kReLU6Name[] = "ReLU6", kSigmoidName[] = "Sigmoid", kTanhName[] = "Tanh",
                      kSiLUName[] = "SiLU", kMishName[] = "Mish", kSoftsignName[] = "Softsign",
                      kHardswishName[] = "Hardswish", kHardsigmoidName[] = "Hardsigmoid", kSELUName[] = "SELU";

Tensor mish(const Tensor& x);         ///< x tanh(softplus(x)) (Misra 2019).
Tensor softsign(const Tensor& x);     ///< x / (1 + |x|).
Tensor hardswish(const Tensor& x);    ///< x relu6(x + 3) / 6 (Howard et al. 2019).
Tensor hardsigmoid(const Tensor& x);  ///< relu6(x + 3) / 6.
Tensor selu(const Tensor& x);         ///< scale (max(0, x) + min(0, alpha (exp(x) - 1))) (Klambauer et al. 2017).

using ReLU = Activation<kReLUName, relu>;
using ReLU6 = Activation<kReLU6Name, relu6>;
using Sigmoid = Activation<kSigmoidName, sigmoid>;
using Tanh = Activation<kTanhName, tanh>;
using SiLU = Activation<kSiLUName, silu>;
using Mish = Activation<kMishName, mish>;
using Softsign = Activation<kSoftsignName, softsign>;
using Hardswish = Activation<kHardswishName, hardswish>;
using Hardsigmoid = Activation<kHardsigmoidName, hardsigmoid>;
using SELU = Activation<kSELUName, selu>;

/// max(0, x) + negative_slope min(0, x).
class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : negative_slope(negative_slope) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "LeakyReLU"; }
  std::string extra_repr() const override;
  double negative_slope;
};

/// x for x > 0, alpha (exp(x) - 1) otherwise.
class ELU : public Module {
 public:
  explicit ELU(double alpha = 1.0) : alpha(alpha) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "ELU"; }
  std::string extra_repr() const override;
  double alpha;
};

/// x for x > 0, alpha (exp(x / alpha) - 1) otherwise (functional::celu).
class CELU : public Module {
 public:
  explicit CELU(double alpha = 1.0) : alpha(alpha) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "CELU"; }
  std::string extra_repr() const override;
  double alpha;
};

/// x Phi(x) exactly (approximate "none") or with the tanh approximation ("tanh").
class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none") : approximate(std::move(approximate)) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "GELU"; }
  std::string extra_repr() const override;
  std::string approximate;
};

/// log(1 + exp(beta x)) / beta, linear above threshold.
class Softplus : public Module {
 public:
  explicit Softplus(double beta = 1.0, double threshold = 20.0) : beta(beta), threshold(threshold) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Softplus"; }
  std::string extra_repr() const override;
  double beta, threshold;
};

/// softmax / log_softmax along `dim`.
class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Softmax"; }
  std::string extra_repr() const override { return cat("dim=", dim); }
  int64_t dim;
};
class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "LogSoftmax"; }
  std::string extra_repr() const override { return cat("dim=", dim); }
  int64_t dim;
};

/// max(0, x) + a min(0, x) with a learned slope a: one shared value or one per channel (dim 1), init 0.25.
class PReLU : public Module {
 public:
  explicit PReLU(int64_t num_parameters = 1, double init = 0.25, DType dtype = kFloat32);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "PReLU"; }
  std::string extra_repr() const override { return cat("num_parameters=", weight.numel()); }
  Tensor weight;
};

}  // namespace tessera::nn
