#include "tessera/optim/rmsprop.h"

#include <cmath>

#include "tessera/optim/fused.h"

namespace tessera::optim {
namespace {

void validate(const Options& o) {
  check_common_options("RMSprop", o);
  check_option(o.at("alpha") >= 0.0, "RMSprop", "alpha", o.at("alpha"), "must be >= 0");
}

}  // namespace

Options RMSpropOptions::to_map() const {
  return {{"lr", lr},
          {"alpha", alpha},
          {"eps", eps},
          {"weight_decay", weight_decay},
          {"momentum", momentum},
          {"centered", centered ? 1.0 : 0.0},
          {"maximize", maximize ? 1.0 : 0.0}};
}

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& options)
    : Optimizer("RMSprop", std::move(params), options.to_map(), validate) {}

RMSprop::RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& options)
    : Optimizer("RMSprop", std::move(groups), options.to_map(), validate) {}

void RMSprop::update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) {
  const double lr = group.at("lr"), alpha = group.at("alpha"), eps = group.at("eps");
  const double wd = group.at("weight_decay"), momentum = group.at("momentum");
  const double sign = detail::gradient_sign(group);
  const bool centered = group.flag("centered");
  state_scalar(state, "step") += 1;
  Tensor square_avg = state_buffer(state, "square_avg", param);
  Tensor grad_avg = centered ? state_buffer(state, "grad_avg", param) : Tensor();
  Tensor buf = momentum > 0.0 ? state_buffer(state, "momentum_buffer", param) : Tensor();
  detail::update_elementwise(param, grad, {square_avg, grad_avg, buf}, [=](auto& p, auto g, auto s) {
    const double d = detail::decayed_grad(g, p, sign, wd);
    auto& v = s[0];
    v = v * alpha + (1.0 - alpha) * d * d;
    double avg;
    if (centered) {
      auto& a = s[1];
      a = a * alpha + (1.0 - alpha) * d;
      avg = std::sqrt(v + -1.0 * a * a) + eps;
    } else {
      avg = std::sqrt(v) + eps;
    }
    if (momentum > 0.0) {
      auto& b = s[2];
      b = b * momentum + d / avg;
      p = p + -lr * b;
    } else {
      p = p + -lr * (d / avg);
    }
  });
}

}  // namespace tessera::optim
