#include "tessera/optim/adadelta.h"

#include <cmath>

#include "tessera/optim/fused.h"

namespace tessera::optim {
namespace {

void validate(const Options& o) {
  check_common_options("Adadelta", o);
  check_option(o.at("rho") >= 0.0 && o.at("rho") <= 1.0, "Adadelta", "rho", o.at("rho"), "must be in [0, 1]");
}

}  // namespace

Options AdadeltaOptions::to_map() const {
  return {{"lr", lr}, {"rho", rho}, {"eps", eps}, {"weight_decay", weight_decay}, {"maximize", maximize ? 1.0 : 0.0}};
}

Adadelta::Adadelta(std::vector<Tensor> params, const AdadeltaOptions& options)
    : Optimizer("Adadelta", std::move(params), options.to_map(), validate) {}

Adadelta::Adadelta(std::vector<ParamGroup> groups, const AdadeltaOptions& options)
    : Optimizer("Adadelta", std::move(groups), options.to_map(), validate) {}

void Adadelta::update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) {
  const double lr = group.at("lr"), rho = group.at("rho"), eps = group.at("eps");
  const double wd = group.at("weight_decay"), sign = detail::gradient_sign(group);
  state_scalar(state, "step") += 1;
  Tensor square_avg = state_buffer(state, "square_avg", param);
  Tensor acc_delta = state_buffer(state, "acc_delta", param);
  detail::update_elementwise(param, grad, {square_avg, acc_delta}, [=](auto& p, auto g, auto s) {
    const double d = detail::decayed_grad(g, p, sign, wd);
    auto &v = s[0], &u = s[1];
    v = v * rho + (1.0 - rho) * d * d;
    const double delta = std::sqrt(u + eps) / std::sqrt(v + eps) * d;
    u = u * rho + (1.0 - rho) * delta * delta;
    p = p + -lr * delta;
  });
}

}  // namespace tessera::optim
