#include "tessera/optim/adagrad.h"

#include <cmath>

#include "tessera/optim/fused.h"

namespace tessera::optim {
namespace {

void validate(const Options& o) {
  check_common_options("Adagrad", o);
  for (const char* k : {"lr_decay", "initial_accumulator_value"}) {
    check_option(o.at(k) >= 0.0, "Adagrad", k, o.at(k), "must be >= 0");
  }
}

}  // namespace

Options AdagradOptions::to_map() const {
  return {{"lr", lr},
          {"lr_decay", lr_decay},
          {"weight_decay", weight_decay},
          {"initial_accumulator_value", initial_accumulator_value},
          {"eps", eps},
          {"maximize", maximize ? 1.0 : 0.0}};
}

Adagrad::Adagrad(std::vector<Tensor> params, const AdagradOptions& options)
    : Optimizer("Adagrad", std::move(params), options.to_map(), validate) {}

Adagrad::Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& options)
    : Optimizer("Adagrad", std::move(groups), options.to_map(), validate) {}

void Adagrad::update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) {
  const double lr = group.at("lr"), lr_decay = group.at("lr_decay"), eps = group.at("eps");
  const double wd = group.at("weight_decay"), sign = detail::gradient_sign(group);
  double& step = state_scalar(state, "step");
  Tensor sum = state_buffer(state, "sum", param, group.at("initial_accumulator_value"));
  step += 1;
  const double clr = lr / (1.0 + (step - 1.0) * lr_decay);
  detail::update_elementwise(param, grad, {sum}, [=](auto& p, auto g, auto s) {
    const double d = detail::decayed_grad(g, p, sign, wd);
    auto& acc = s[0];
    acc = acc + 1.0 * d * d;
    p = p + -clr * (d / (std::sqrt(acc) + eps));
  });
}

}  // namespace tessera::optim
