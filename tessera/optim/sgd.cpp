#include "tessera/optim/sgd.h"

#include "tessera/optim/fused.h"

namespace tessera::optim {
namespace {

void validate(const Options& o) {
  check_common_options("SGD", o);
  check<ValueError>(o.at("nesterov") == 0.0 || (o.at("momentum") > 0.0 && o.at("dampening") == 0.0),
                    "SGD: invalid nesterov value: Nesterov momentum requires a momentum and zero dampening");
}

}  // namespace

Options SGDOptions::to_map() const {
  return {{"lr", lr},
          {"momentum", momentum},
          {"dampening", dampening},
          {"weight_decay", weight_decay},
          {"nesterov", nesterov ? 1.0 : 0.0},
          {"maximize", maximize ? 1.0 : 0.0}};
}

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : Optimizer("SGD", std::move(params), options.to_map(), validate) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& options)
    : Optimizer("SGD", std::move(groups), options.to_map(), validate) {}

void SGD::update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) {
  const double lr = group.at("lr"), momentum = group.at("momentum"), dampening = group.at("dampening");
  const double wd = group.at("weight_decay"), sign = detail::gradient_sign(group);
  const bool nesterov = group.flag("nesterov");
  const bool first = momentum != 0.0 && !state.count("momentum_buffer");
  Tensor buf = momentum != 0.0 ? state_buffer(state, "momentum_buffer", param) : Tensor();
  detail::update_elementwise(param, grad, {buf}, [=](auto& p, auto g, auto s) {
    double d = detail::decayed_grad(g, p, sign, wd);
    if (momentum != 0.0) {
      auto& b = s[0];
      b = first ? d : b * momentum + (1.0 - dampening) * d;  // PyTorch starts the buffer at the first gradient
      d = nesterov ? d + momentum * b : static_cast<double>(b);
    }
    p = p + -lr * d;
  });
}

}  // namespace tessera::optim
