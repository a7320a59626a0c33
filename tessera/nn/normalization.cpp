#include "tessera/nn/normalization.h"

#include "tessera/autograd/grad_mode.h"
#include "tessera/nn/functional.h"
#include "tessera/ops/creation.h"

namespace tessera::nn {

BatchNorm::BatchNorm(int64_t num_features, int64_t spatial_dims, BatchNormOptions options)
    : num_features(num_features), options(options), spatial_dims_(spatial_dims) {
  check<ValueError>(num_features >= 1, "BatchNorm: num_features must be >= 1, got ", num_features);
  if (options.affine) {
    weight = register_parameter("weight", ones({num_features}, options.dtype));
    bias = register_parameter("bias", zeros({num_features}, options.dtype));
  }
  if (options.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({num_features}, options.dtype));
    running_var = register_buffer("running_var", ones({num_features}, options.dtype));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
}

void BatchNorm::reset_running_stats() {
  if (!options.track_running_stats) return;
  NoGradGuard g;
  running_mean.zero_();
  running_var.fill_(1.0);
  num_batches_tracked.zero_();
}

Tensor BatchNorm::forward(const Tensor& input) {
  const bool rank_ok = spatial_dims_ == 2 ? input.dim() == 4 : (input.dim() == 2 || input.dim() == 3);
  if (!rank_ok || input.size(1) != num_features) {
    const char* dims = spatial_dims_ == 2 ? ", H, W]" : "] or [N, ";
    const std::string tail = spatial_dims_ == 2 ? "" : cat(num_features, ", L]");
    throw ShapeError(cat(type_name(), "(", num_features, "): expected input [N, ", num_features, dims, tail, ", got ",
                         shape_of(input)));
  }
  const bool use_batch_stats = is_training() || !options.track_running_stats;
  double momentum = options.momentum.value_or(0.0);
  if (is_training() && options.track_running_stats) {
    NoGradGuard g;
    num_batches_tracked.copy_(num_batches_tracked + 1);
    if (!options.momentum) momentum = 1.0 / double(num_batches_tracked.item<int64_t>());
  }
  return functional::batch_norm(input, options.track_running_stats ? running_mean : Tensor{},
                                options.track_running_stats ? running_var : Tensor{}, weight, bias, use_batch_stats,
                                momentum, options.eps);
}

std::string BatchNorm::extra_repr() const {
  return cat(num_features, ", eps=", options.eps, ", momentum=", options.momentum.value_or(0.0),
             ", affine=", options.affine ? "True" : "False",
             ", track_running_stats=", options.track_running_stats ? "True" : "False");
}

LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine, DType dtype)
    : normalized_shape(std::move(normalized_shape)), eps(eps) {
  if (elementwise_affine) {
    weight = register_parameter("weight", ones(this->normalized_shape, dtype));
    bias = register_parameter("bias", zeros(this->normalized_shape, dtype));
  }
}

Tensor LayerNorm::forward(const Tensor& input) {
  return functional::layer_norm(input, normalized_shape, weight, bias, eps);
}

std::string LayerNorm::extra_repr() const {
  return cat(shape_str(normalized_shape), ", eps=", eps, ", elementwise_affine=", weight.defined() ? "True" : "False");
}

GroupNorm::GroupNorm(int64_t num_groups, int64_t num_channels, double eps, bool affine, DType dtype)
    : num_groups(num_groups), num_channels(num_channels), eps(eps) {
  check<ValueError>(num_groups >= 1 && num_channels % num_groups == 0, "GroupNorm: num_channels=", num_channels,
                    " must be divisible by num_groups=", num_groups);
  if (affine) {
    weight = register_parameter("weight", ones({num_channels}, dtype));
    bias = register_parameter("bias", zeros({num_channels}, dtype));
  }
}

Tensor GroupNorm::forward(const Tensor& input) {
  check<ShapeError>(input.dim() >= 2 && input.size(1) == num_channels, "GroupNorm(", num_groups, ", ", num_channels,
                    "): expected input [N, ", num_channels, ", *], got ", shape_of(input));
  return functional::group_norm(input, num_groups, weight, bias, eps);
}

std::string GroupNorm::extra_repr() const {
  return cat(num_groups, ", ", num_channels, ", eps=", eps, ", affine=", weight.defined() ? "True" : "False");
}

}  // namespace tessera::nn
