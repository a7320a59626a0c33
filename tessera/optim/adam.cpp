#include "tessera/optim/adam.h"

#include <cmath>

#include "tessera/optim/fused.h"

namespace tessera::optim {
namespace {

Options adam_map(double lr, const std::array<double, 2>& betas, double eps, double wd, bool amsgrad, bool maximize) {
  return {{"lr", lr},
          {"betas0", betas[0]},
          {"betas1", betas[1]},
          {"eps", eps},
          {"weight_decay", wd},
          {"amsgrad", amsgrad ? 1.0 : 0.0},
          {"maximize", maximize ? 1.0 : 0.0}};
}

OptionsValidator validator(std::string name) {
  return [name](const Options& o) { check_common_options(name, o); };
}

}  // namespace

Options AdamOptions::to_map() const { return adam_map(lr, betas, eps, weight_decay, amsgrad, maximize); }
Options AdamWOptions::to_map() const { return adam_map(lr, betas, eps, weight_decay, amsgrad, maximize); }

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Adam("Adam", std::move(params), options.to_map()) {}
Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& options)
    : Adam("Adam", std::move(groups), options.to_map()) {}
Adam::Adam(std::string name, std::vector<Tensor> params, Options defaults)
    : Optimizer(name, std::move(params), std::move(defaults), validator(name)) {}
Adam::Adam(std::string name, std::vector<ParamGroup> groups, Options defaults)
    : Optimizer(name, std::move(groups), std::move(defaults), validator(name)) {}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& options)
    : Adam("AdamW", std::move(params), options.to_map()) {}
AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options)
    : Adam("AdamW", std::move(groups), options.to_map()) {}

void Adam::update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) {
  const double lr = group.at("lr"), beta1 = group.at("betas0"), beta2 = group.at("betas1"), eps = group.at("eps");
  const double wd = group.at("weight_decay"), sign = detail::gradient_sign(group);
  const bool amsgrad = group.flag("amsgrad"), decoupled = decoupled_weight_decay();
  double& step = state_scalar(state, "step");
  Tensor exp_avg = state_buffer(state, "exp_avg", param);
  Tensor exp_avg_sq = state_buffer(state, "exp_avg_sq", param);
  Tensor max_sq = amsgrad ? state_buffer(state, "max_exp_avg_sq", param) : Tensor();
  step += 1;
  const double step_size = lr / (1.0 - std::pow(beta1, step));
  const double bias_correction2_sqrt = std::sqrt(1.0 - std::pow(beta2, step));
  const double shrink = 1.0 - lr * wd;
  detail::update_elementwise(param, grad, {exp_avg, exp_avg_sq, max_sq}, [=](auto& p, auto g, auto s) {
    double d = sign * g;
    if (decoupled) {
      p = p * shrink;
    } else if (wd != 0.0) {
      d = d + wd * p;
    }
    auto &m = s[0], &v = s[1];
    m = m * beta1 + (1.0 - beta1) * d;
    v = v * beta2 + (1.0 - beta2) * d * d;
    double vhat = v;
    if (amsgrad) vhat = s[2] = std::max(s[2], v);
    p = p + -step_size * (m / (std::sqrt(vhat) / bias_correction2_sqrt + eps));
  });
}

}  // namespace tessera::optim
