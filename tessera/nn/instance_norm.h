#pragma once
// Instance normalization (Ulyanov et al. 2016): InstanceNorm1d/2d with PyTorch's arguments, defaults (affine and
// track_running_stats off) and state_dict keys, and nn::functional::instance_norm.
#include "tessera/nn/module.h"

namespace tessera::nn {

namespace functional {
/// Normalizes each (sample, channel) plane of [N, C, *] over its spatial dims, with the biased variance
/// (torch.nn.functional.instance_norm). With use_input_stats, the plane's own statistics are used and, when
/// running stats [C] are given, they are updated in place with the batch average of the per-plane mean and
/// unbiased variance: running = (1 - momentum) running + momentum * average. Without it, the running stats
/// normalize. weight/bias [C] optional. Errors: ShapeError naming instance_norm for fewer than 3 dims or [C]
/// tensors of the wrong size; ValueError with use_input_stats when a plane has a single element, or without
/// use_input_stats and running stats.
Tensor instance_norm(const Tensor& input, const Tensor& running_mean = {}, const Tensor& running_var = {},
                     const Tensor& weight = {}, const Tensor& bias = {}, bool use_input_stats = true,
                     double momentum = 0.1, double eps = 1e-5);
}  // namespace functional

struct InstanceNormOptions {
  double eps = 1e-5;
  double momentum = 0.1;
  bool affine = false;               ///< weight (ones) and bias (zeros) of [C].
  bool track_running_stats = false;  ///< running_mean, running_var, num_batches_tracked buffers, used in eval.
  DType dtype = kFloat32;
};

/// Normalizes each channel of each sample with its own statistics (in training, or always without running stats;
/// in eval with track_running_stats, with the running ones). InstanceNorm1d takes [N, C, L] or [C, L];
/// InstanceNorm2d takes [N, C, H, W] or [C, H, W]. ShapeError naming the layer for another rank or channel count:
/// `InstanceNorm2d(3): expected input [N, 3, H, W] or [3, H, W], got [2, 4, 5, 5]`.
class InstanceNorm : public Module {
 public:
  InstanceNorm(int64_t num_features, int64_t spatial_dims, InstanceNormOptions options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  int64_t num_features;
  InstanceNormOptions options;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  int64_t spatial_dims_;
};

class InstanceNorm1d : public InstanceNorm {
 public:
  explicit InstanceNorm1d(int64_t num_features, InstanceNormOptions options = {})
      : InstanceNorm(num_features, 1, options) {}
  std::string type_name() const override { return "InstanceNorm1d"; }
};
class InstanceNorm2d : public InstanceNorm {
 public:
  explicit InstanceNorm2d(int64_t num_features, InstanceNormOptions options = {})
      : InstanceNorm(num_features, 2, options) {}
  std::string type_name() const override { return "InstanceNorm2d"; }
};

}  // namespace tessera::nn
