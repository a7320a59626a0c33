#pragma once
// Parameter initializers (torch.nn.init): each fills a tensor in place, without recording gradients, and
// returns it. Fan-in/fan-out follow PyTorch: for a weight [out, in, k...], fan_in = in * prod(k) and
// fan_out = out * prod(k). The random ones draw from `gen` (the default generator when null).
#include <string>

#include "tessera/core/rng.h"
#include "tessera/core/tensor.h"

namespace tessera::nn::init {

/// The recommended gain for a nonlinearity (torch.nn.init.calculate_gain): linear/conv/sigmoid 1, tanh 5/3,
/// relu sqrt(2), leaky_relu sqrt(2 / (1 + slope^2)), selu 3/4. ValueError for an unknown name.
double calculate_gain(const std::string& nonlinearity, double param = 0.01);
/// (fan_in, fan_out) of a tensor with at least 2 dims (ValueError otherwise).
std::pair<int64_t, int64_t> fan_in_and_fan_out(const Tensor& t);

Tensor& uniform_(Tensor& t, double a = 0.0, double b = 1.0, Generator* gen = nullptr);
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0, Generator* gen = nullptr);
Tensor& constant_(Tensor& t, double value);
Tensor& zeros_(Tensor& t);
Tensor& ones_(Tensor& t);
/// U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010).
Tensor& xavier_uniform_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);
/// N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor& xavier_normal_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);
/// U(-b, b) with b = gain * sqrt(3 / fan) (He et al. 2015); `mode` "fan_in" or "fan_out"; gain from
/// calculate_gain(nonlinearity, a).
Tensor& kaiming_uniform_(Tensor& t, double a = 0.0, const std::string& mode = "fan_in",
                         const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);
/// N(0, std^2) with std = gain / sqrt(fan).
Tensor& kaiming_normal_(Tensor& t, double a = 0.0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);
/// N(mean, std^2) truncated to [a, b] by inverse-CDF sampling (as torch.nn.init.trunc_normal_).
Tensor& trunc_normal_(Tensor& t, double mean = 0.0, double std = 1.0, double a = -2.0, double b = 2.0,
                      Generator* gen = nullptr);
/// A (semi-)orthogonal matrix (Saxe et al. 2013) scaled by gain: the rows (or columns) of t viewed as
/// [size(0), numel / size(0)] are orthonormal. Orthogonalizes a normal sample by modified Gram-Schmidt.
Tensor& orthogonal_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);

}  // namespace tessera::nn::init
