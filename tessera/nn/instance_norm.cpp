#include "tessera/nn/instance_norm.h"

#include "tessera/autograd/grad_mode.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/reduce.h"
#include "tessera/ops/unary.h"

namespace tessera::nn {

namespace functional {
namespace {
// [C] -> [1, C, 1, ...] so it broadcasts over [N, C, *].
Tensor per_channel(const Tensor& t, int64_t ndim) {
  Shape s(static_cast<size_t>(ndim), 1);
  s[1] = t.size(0);
  return t.view(s);
}
}  // namespace

Tensor instance_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                     const Tensor& bias, bool use_input_stats, double momentum, double eps) {
  check<ShapeError>(input.dim() >= 3, "instance_norm: expected input [N, C, *] with spatial dims, got ",
                    fmt_shape(input.shape()));
  const int64_t n = input.size(0), c = input.size(1), nd = input.dim();
  for (const Tensor* t : {&running_mean, &running_var, &weight, &bias}) {
    if (!t->defined()) continue;
    check<ShapeError>(t->dim() == 1 && t->size(0) == c, "instance_norm: expected [", c,
                      "] statistics/affine parameters for input ", fmt_shape(input.shape()), ", got ",
                      fmt_shape(t->shape()));
  }
  Tensor y;
  if (use_input_stats) {
    const int64_t count = c == 0 || n == 0 ? 0 : input.numel() / (n * c);
    check<ValueError>(count > 1, "instance_norm: expected more than 1 spatial element when training, got input ",
                      fmt_shape(input.shape()));
    std::vector<int64_t> dims;
    for (int64_t d = 2; d < nd; ++d) dims.push_back(d);
    const Tensor mean = input.mean(dims, true);
    const Tensor centered = input - mean;
    const Tensor var = square(centered).mean(dims, true);
    y = centered * rsqrt(var + eps);
    if (running_mean.defined()) {
      // The batch average of the per-plane statistics (the running variance is the unbiased one).
      NoGradGuard no_grad;
      Tensor rm = running_mean, rv = running_var;
      rm.copy_(rm * (1.0 - momentum) + mean.detach().reshape({n, c}).mean({0}) * momentum);
      rv.copy_(rv * (1.0 - momentum) +
               var.detach().reshape({n, c}).mean({0}) * (momentum * double(count) / double(count - 1)));
    }
  } else {
    check<ValueError>(running_mean.defined() && running_var.defined(),
                      "instance_norm: expected running_mean and running_var when use_input_stats is false");
    y = (input - per_channel(running_mean, nd)) * per_channel(rsqrt(running_var + eps), nd);
  }
  if (weight.defined()) y = y * per_channel(weight, nd);
  return bias.defined() ? y + per_channel(bias, nd) : y;
}
}  // namespace functional

InstanceNorm::InstanceNorm(int64_t num_features, int64_t spatial_dims, InstanceNormOptions options)
    : num_features(num_features), options(options), spatial_dims_(spatial_dims) {
  check<ValueError>(num_features >= 1, "InstanceNorm: num_features must be >= 1, got ", num_features);
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

Tensor InstanceNorm::forward(const Tensor& input) {
  const int64_t rank = input.dim();
  const bool batched = rank == spatial_dims_ + 2;
  if ((!batched && rank != spatial_dims_ + 1) || input.size(batched ? 1 : 0) != num_features) {
    const char* dims = spatial_dims_ == 2 ? ", H, W]" : ", L]";
    throw ShapeError(cat(type_name(), "(", num_features, "): expected input [N, ", num_features, dims, " or [",
                         num_features, dims, ", got ", shape_of(input)));
  }
  const InstanceNormOptions& o = options;
  const Tensor x = batched ? input : input.unsqueeze(0);
  const Tensor y = functional::instance_norm(x, running_mean, running_var, weight, bias,
                                             is_training() || !o.track_running_stats, o.momentum, o.eps);
  return batched ? y : y.squeeze(0);
}

std::string InstanceNorm::extra_repr() const {
  return cat(num_features, ", eps=", options.eps, ", momentum=", options.momentum,
             ", affine=", options.affine ? "True" : "False",
             ", track_running_stats=", options.track_running_stats ? "True" : "False");
}

}  // namespace tessera::nn
