#pragma once
// nn::functional: the stateless forms of the layers (torch.nn.functional). The op-level functions (conv2d,
// max_pool2d, relu, softmax, ...) live in tessera/ops/ and are re-exported here, so `namespace F =
// tessera::nn::functional;` gives the whole PyTorch set.
#include <optional>
#include <vector>

#include "tessera/core/rng.h"
#include "tessera/ops/conv.h"
#include "tessera/ops/pool.h"
#include "tessera/ops/softmax.h"
#include "tessera/ops/unary.h"

namespace tessera::nn::functional {

using tessera::adaptive_avg_pool2d;
using tessera::avg_pool2d;
using tessera::conv1d;
using tessera::conv2d;
using tessera::elu;
using tessera::gelu;
using tessera::leaky_relu;
using tessera::log_softmax;
using tessera::max_pool2d;
using tessera::max_pool2d_with_indices;
using tessera::relu;
using tessera::relu6;
using tessera::sigmoid;
using tessera::silu;
using tessera::softmax;
using tessera::softplus;
using tessera::tanh;

/// CELU (Barron 2017, torch.nn.functional.celu): x for x > 0, alpha (exp(x / alpha) - 1) otherwise, computed as
/// alpha elu(x / alpha). Any shape, float dtypes. ValueError for alpha == 0.
Tensor celu(const Tensor& input, double alpha = 1.0);

/// y = x W^T + b (torch.nn.functional.linear): x [*, in], weight [out, in], bias [out] (optional) -> [*, out].
/// ShapeError naming linear and both shapes when x's last dim is not `in`.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});
/// Inverted dropout: in training, zeroes each element with probability p and scales the rest by 1 / (1 - p);
/// the identity when not training or p == 0. ValueError unless 0 <= p <= 1.
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true, Generator* gen = nullptr);
/// Channel dropout (Dropout2d): zeroes whole channels of [N, C, H, W] (or [C, H, W]).
Tensor dropout2d(const Tensor& input, double p = 0.5, bool training = true, Generator* gen = nullptr);
/// Batch normalization over all dims but 1 (Ioffe & Szegedy 2015): input [N, C, *]. In training, normalizes
/// with the batch mean and biased variance and, when running stats are given, updates them in place:
/// running = (1 - momentum) running + momentum * batch (the running variance is the unbiased one). In eval,
/// normalizes with the running stats. weight/bias [C] optional. ValueError in training when N * prod(*) == 1.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight = {},
                  const Tensor& bias = {}, bool training = false, double momentum = 0.1, double eps = 1e-5);
/// Layer normalization over the trailing dims `normalized_shape` (Ba et al. 2016), biased variance; weight and
/// bias have shape normalized_shape. ShapeError when the input's trailing dims differ.
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
/// Group normalization (Wu & He 2018): input [N, C, *] with C divisible by num_groups.
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);

}  // namespace tessera::nn::functional
