#include "tessera/nn/functional.h"

#include <utility>

#include "tessera/autograd/grad_mode.h"
#include "tessera/ops/binary.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/linalg.h"
#include "tessera/ops/normalization.h"
#include "tessera/ops/random.h"
#include "tessera/ops/reduce.h"
#include "tessera/ops/shape.h"

namespace tessera::nn::functional {

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  check<ShapeError>(weight.dim() == 2, "linear: expected weight [out_features, in_features], got ",
                    fmt_shape(weight.shape()));
  check<ShapeError>(input.dim() >= 1 && input.size(-1) == weight.size(1), "linear: input ", fmt_shape(input.shape()),
                    " does not end in in_features=", weight.size(1), " of weight ", fmt_shape(weight.shape()));
  Tensor y = matmul(input, weight.t());
  return bias.defined() ? y + bias : y;
}

namespace {
void check_p(double p, const char* op) {
  check<ValueError>(p >= 0.0 && p <= 1.0, op, ": probability has to be between 0 and 1, but got ", p);
}
}  // namespace

Tensor celu(const Tensor& input, double alpha) {
  check<ValueError>(alpha != 0.0, "celu: alpha must not be 0");
  return elu(input / alpha, 1.0) * alpha;
}

Tensor dropout(const Tensor& input, double p, bool training, Generator* gen) {
  check_p(p, "dropout");
  if (!training || p == 0.0) return input;
  if (p == 1.0) return input * 0.0;
  // The mask is drawn without gradient; the scaling keeps the expected value (inverted dropout).
  const Tensor mask = bernoulli(input.detach(), 1.0 - p, gen);
  return input * (mask * (1.0 / (1.0 - p)));
}

Tensor dropout2d(const Tensor& input, double p, bool training, Generator* gen) {
  check_p(p, "dropout2d");
  check<ShapeError>(input.dim() == 3 || input.dim() == 4, "dropout2d: expected input [N, C, H, W] or [C, H, W], got ",
                    fmt_shape(input.shape()));
  if (!training || p == 0.0) return input;
  Shape mask_shape = input.shape();
  for (int64_t d = input.dim() - 2; d < input.dim(); ++d) mask_shape[d] = 1;
  const Tensor mask = bernoulli(zeros(mask_shape, input.dtype()), 1.0 - p, gen);
  return input * (mask * (p == 1.0 ? 0.0 : 1.0 / (1.0 - p)));
}

namespace {
// [1, C, 1, ...] so a per-channel [C] tensor broadcasts over [N, C, *].
Tensor per_channel(const Tensor& t, int64_t ndim) {
  Shape s(ndim, 1);
  s[1] = t.size(0);
  return t.view(s);
}
}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  check<ShapeError>(input.dim() >= 2, "batch_norm: expected input [N, C, *], got ", fmt_shape(input.shape()));
  const int64_t c = input.size(1), nd = input.dim();
  for (const Tensor* t : {&running_mean, &running_var, &weight, &bias}) {
    if (!t->defined()) continue;
    check<ShapeError>(t->dim() == 1 && t->size(0) == c, "batch_norm: expected [", c,
                      "] statistics/affine parameters for input ", fmt_shape(input.shape()), ", got ",
                      fmt_shape(t->shape()));
  }
  const int64_t count = input.numel() / std::max<int64_t>(c, 1);
  auto update_running_stats = [&](const Tensor& mean_c, const Tensor& var_c) {
    if (!training || !running_mean.defined()) return;
    NoGradGuard no_grad;
    Tensor rm = running_mean, rv = running_var;
    rm.copy_(rm * (1.0 - momentum) + mean_c.detach() * momentum);
    rv.copy_(rv * (1.0 - momentum) + var_c.detach() * (momentum * double(count) / double(count - 1)));
  };
  const bool batch_stats = training || !running_mean.defined();
  if (batch_stats) {
    check<ValueError>(count > 1, "batch_norm: expected more than 1 value per channel when training, got input ",
                      fmt_shape(input.shape()));
  }
  if (batch_stats && (input.dtype() == kFloat32 || input.dtype() == kFloat64)) {
    // The fused op (Note [The fused batch norm]); missing affine parameters are ones and zeros.
    const TensorOptions o = TensorOptions(input.dtype()).device(input.device());
    const BatchNormTraining r = batch_norm_training(input, weight.defined() ? weight : ones({c}, o),
                                                    bias.defined() ? bias : zeros({c}, o), eps);
    update_running_stats(r.mean, r.var);
    return r.y;
  }
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < nd; ++d) dims.push_back(d);
  Tensor mean_c = running_mean, var_c = running_var;
  if (batch_stats) {  // other floating dtypes: the same with tensor ops
    mean_c = input.mean(dims);
    var_c = square(input - per_channel(mean_c, nd)).mean(dims);
    update_running_stats(mean_c, var_c);
  }
  Tensor scale = rsqrt(var_c + eps);
  if (weight.defined()) scale = scale * weight;
  Tensor shift = -mean_c * scale;
  if (bias.defined()) shift = shift + bias;
  return input * per_channel(scale, nd) + per_channel(shift, nd);
}

Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  bool ok = k >= 1 && input.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = input.size(input.dim() - k + i) == normalized_shape[i];
  check<ShapeError>(ok, "layer_norm: input ", fmt_shape(input.shape()), " does not end in normalized_shape ",
                    fmt_shape(normalized_shape));
  for (const auto& [t, name] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"}}) {
    if (!t->defined()) continue;
    check<ShapeError>(t->shape() == normalized_shape, "layer_norm: expected ", name, " of normalized_shape ",
                      fmt_shape(normalized_shape), ", got ", fmt_shape(t->shape()));
  }
  if (input.dtype() == kFloat32 || input.dtype() == kFloat64) {
    // The fused op (Note [The fused layer norm]); missing affine parameters are ones and zeros.
    const TensorOptions o = TensorOptions(input.dtype()).device(input.device());
    return layer_norm_with_stats(input, weight.defined() ? weight : ones(normalized_shape, o),
                                 bias.defined() ? bias : zeros(normalized_shape, o), eps)
        .y;
  }
  std::vector<int64_t> dims;  // other floating dtypes: the same with tensor ops
  for (int64_t i = input.dim() - k; i < input.dim(); ++i) dims.push_back(i);
  const Tensor mu = input.mean(dims, true);
  const Tensor centered = input - mu;
  Tensor y = centered * rsqrt(square(centered).mean(dims, true) + eps);
  if (weight.defined()) y = y * weight;
  return bias.defined() ? y + bias : y;
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  check<ShapeError>(input.dim() >= 2, "group_norm: expected input [N, C, *], got ", fmt_shape(input.shape()));
  const int64_t n = input.size(0), c = input.size(1);
  check<ValueError>(num_groups >= 1 && c % num_groups == 0, "group_norm: ", c,
                    " channels are not divisible into num_groups=", num_groups);
  const Tensor g = input.reshape({n, num_groups, -1});
  const Tensor centered = g - g.mean({2}, true);
  Tensor y = (centered * rsqrt(square(centered).mean({2}, true) + eps)).reshape(input.shape());
  if (weight.defined()) y = y * per_channel(weight, input.dim());
  return bias.defined() ? y + per_channel(bias, input.dim()) : y;
}

}  // namespace tessera::nn::functional
