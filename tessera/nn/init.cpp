#include "tessera/nn/init.h"

#include <cmath>
#include <vector>

#include "tessera/autograd/grad_mode.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/random.h"

namespace tessera::nn::init {

double calculate_gain(const std::string& nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity.rfind("conv", 0) == 0) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw ValueError(cat("calculate_gain: unsupported nonlinearity '", nonlinearity, "'"));
}

std::pair<int64_t, int64_t> fan_in_and_fan_out(const Tensor& t) {
  check<ValueError>(t.dim() >= 2, "init: fan in and fan out need a tensor with at least 2 dims, got ",
                    shape_str(t.shape()));
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

Tensor& uniform_(Tensor& t, double a, double b, Generator* gen) {
  NoGradGuard g;
  return t.uniform_(a, b, gen);
}
Tensor& normal_(Tensor& t, double mean, double std, Generator* gen) {
  NoGradGuard g;
  return t.normal_(mean, std, gen);
}
Tensor& constant_(Tensor& t, double value) {
  NoGradGuard g;
  return t.fill_(value);
}
Tensor& zeros_(Tensor& t) { return constant_(t, 0.0); }
Tensor& ones_(Tensor& t) { return constant_(t, 1.0); }

Tensor& xavier_uniform_(Tensor& t, double gain, Generator* gen) {
  const auto [in, out] = fan_in_and_fan_out(t);
  const double bound = gain * std::sqrt(6.0 / double(in + out));
  return uniform_(t, -bound, bound, gen);
}
Tensor& xavier_normal_(Tensor& t, double gain, Generator* gen) {
  const auto [in, out] = fan_in_and_fan_out(t);
  return normal_(t, 0.0, gain * std::sqrt(2.0 / double(in + out)), gen);
}

namespace {
double kaiming_std(const Tensor& t, double a, const std::string& mode, const std::string& nonlinearity) {
  check<ValueError>(mode == "fan_in" || mode == "fan_out", "kaiming init: mode must be fan_in or fan_out, got '", mode,
                    "'");
  const auto [in, out] = fan_in_and_fan_out(t);
  const int64_t fan = mode == "fan_in" ? in : out;
  check<ValueError>(fan > 0, "kaiming init: zero fan for a tensor of shape ", shape_str(t.shape()));
  return calculate_gain(nonlinearity, a) / std::sqrt(double(fan));
}
}  // namespace

Tensor& kaiming_uniform_(Tensor& t, double a, const std::string& mode, const std::string& nonlinearity,
                         Generator* gen) {
  const double bound = std::sqrt(3.0) * kaiming_std(t, a, mode, nonlinearity);
  return uniform_(t, -bound, bound, gen);
}
Tensor& kaiming_normal_(Tensor& t, double a, const std::string& mode, const std::string& nonlinearity, Generator* gen) {
  return normal_(t, 0.0, kaiming_std(t, a, mode, nonlinearity), gen);
}

Tensor& trunc_normal_(Tensor& t, double mean, double std, double a, double b, Generator* gen) {
  check<ValueError>(a < b, "trunc_normal_: expected a < b, got a=", a, ", b=", b);
  // Redraw the values outside [a, b] until none are left (each round keeps most of them).
  Tensor x = normal(mean, std, t.shape(), kFloat64, gen).contiguous();
  double* p = x.data_ptr<double>();
  for (int round = 0; round < 1000; ++round) {
    std::vector<int64_t> bad;
    for (int64_t i = 0; i < x.numel(); ++i) {
      if (p[i] < a || p[i] > b) bad.push_back(i);
    }
    if (bad.empty()) break;
    const Tensor redraw = normal(mean, std, {static_cast<int64_t>(bad.size())}, kFloat64, gen);
    const double* r = redraw.data_ptr<const double>();
    for (size_t j = 0; j < bad.size(); ++j) p[bad[j]] = r[j];
  }
  for (int64_t i = 0; i < x.numel(); ++i) p[i] = std::min(std::max(p[i], a), b);
  NoGradGuard g;
  t.copy_(x);
  return t;
}

Tensor& orthogonal_(Tensor& t, double gain, Generator* gen) {
  check<ValueError>(t.dim() >= 2, "orthogonal_: expected a tensor with at least 2 dims, got ", shape_str(t.shape()));
  const int64_t rows = t.size(0), cols = t.numel() / rows;
  // Orthonormalize the longer side's vectors: the rows when rows <= cols, else the columns.
  const bool by_rows = rows <= cols;
  const int64_t n = by_rows ? rows : cols, len = by_rows ? cols : rows;
  Tensor q = randn({n, len}, kFloat64, gen).contiguous();
  double* v = q.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i) {
    double* vi = v + i * len;
    for (int64_t j = 0; j < i; ++j) {
      const double* vj = v + j * len;
      double d = 0;
      for (int64_t k = 0; k < len; ++k) d += vi[k] * vj[k];
      for (int64_t k = 0; k < len; ++k) vi[k] -= d * vj[k];
    }
    double norm = 0;
    for (int64_t k = 0; k < len; ++k) norm += vi[k] * vi[k];
    norm = std::sqrt(norm);
    for (int64_t k = 0; k < len; ++k) vi[k] /= norm;
  }
  for (int64_t k = 0; k < n * len; ++k) v[k] *= gain;
  const Tensor m = by_rows ? q : q.t();
  NoGradGuard g;
  t.copy_(m.reshape(t.shape()));
  return t;
}

}  // namespace tessera::nn::init
