#include "tessera/optim/adamax.h"

#include <algorithm>
#include <cmath>

#include "tessera/optim/fused.h"

namespace tessera::optim {
namespace {

void validate(const Options& o) { check_common_options("Adamax", o); }

}  // namespace

Options AdamaxOptions::to_map() const {
  return {{"lr", lr},   {"betas0", betas[0]},           {"betas1", betas[1]},
          {"eps", eps}, {"weight_decay", weight_decay}, {"maximize", maximize ? 1.0 : 0.0}};
}

Adamax::Adamax(std::vector<Tensor> params, const AdamaxOptions& options)
    : Optimizer("Adamax", std::move(params), options.to_map(), validate) {}

Adamax::Adamax(std::vector<ParamGroup> groups, const AdamaxOptions& options)
    : Optimizer("Adamax", std::move(groups), options.to_map(), validate) {}

void Adamax::update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) {
  const double lr = group.at("lr"), beta1 = group.at("betas0"), beta2 = group.at("betas1"), eps = group.at("eps");
  const double wd = group.at("weight_decay"), sign = detail::gradient_sign(group);
  double& step = state_scalar(state, "step");
  Tensor exp_avg = state_buffer(state, "exp_avg", param);
  Tensor exp_inf = state_buffer(state, "exp_inf", param);
  step += 1;
  const double clr = lr / (1.0 - std::pow(beta1, step));
  detail::update_elementwise(param, grad, {exp_avg, exp_inf}, [=](auto& p, auto g, auto s) {
    using T = std::remove_reference_t<decltype(p)>;
    const double d = detail::decayed_grad(g, p, sign, wd);
    auto &m = s[0], &u = s[1];
    m = m * beta1 + (1.0 - beta1) * d;
    u = std::max<T>(u * beta2, std::abs(d) + eps);  // both rounded to T first, as PyTorch's amax over a cat
    p = p + -clr * (m / u);
  });
}

}  // namespace tessera::optim
