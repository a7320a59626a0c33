#include "tessera/optim/nadam.h"

#include <cmath>

#include "tessera/optim/fused.h"

namespace tessera::optim {
namespace {

void validate(const Options& o) {
  check_common_options("NAdam", o);
  check_option(o.at("momentum_decay") >= 0.0, "NAdam", "momentum_decay", o.at("momentum_decay"), "must be >= 0");
}

}  // namespace

Options NAdamOptions::to_map() const {
  return {{"lr", lr},   {"betas0", betas[0]},           {"betas1", betas[1]},
          {"eps", eps}, {"weight_decay", weight_decay}, {"momentum_decay", momentum_decay}};
}

NAdam::NAdam(std::vector<Tensor> params, const NAdamOptions& options)
    : Optimizer("NAdam", std::move(params), options.to_map(), validate) {}

NAdam::NAdam(std::vector<ParamGroup> groups, const NAdamOptions& options)
    : Optimizer("NAdam", std::move(groups), options.to_map(), validate) {}

void NAdam::update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) {
  const double lr = group.at("lr"), beta1 = group.at("betas0"), beta2 = group.at("betas1"), eps = group.at("eps");
  const double wd = group.at("weight_decay"), momentum_decay = group.at("momentum_decay");
  double& step = state_scalar(state, "step");
  double& mu_product = state_scalar(state, "mu_product", 1.0);
  Tensor exp_avg = state_buffer(state, "exp_avg", param);
  Tensor exp_avg_sq = state_buffer(state, "exp_avg_sq", param);
  step += 1;
  const double bias_correction2 = 1.0 - std::pow(beta2, step);
  const double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, step * momentum_decay));
  const double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (step + 1.0) * momentum_decay));
  mu_product *= mu;
  const double mu_product_next = mu_product * mu * mu_next;  // PyTorch 1.13's formula (see the header)
  const double grad_coef = -lr * (1.0 - mu) / (1.0 - mu_product);
  const double avg_coef = -lr * mu_next / (1.0 - mu_product_next);
  detail::update_elementwise(param, grad, {exp_avg, exp_avg_sq}, [=](auto& p, auto g, auto s) {
    const double d = detail::decayed_grad(g, p, 1.0, wd);
    auto &m = s[0], &v = s[1];
    m = m * beta1 + (1.0 - beta1) * d;
    v = v * beta2 + (1.0 - beta2) * d * d;
    const double denom = std::sqrt(v / bias_correction2) + eps;
    p = p + grad_coef * (d / denom);
    p = p + avg_coef * (m / denom);
  });
}

}  // namespace tessera::optim
