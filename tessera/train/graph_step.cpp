#include "tessera/train/graph_step.h"

#include "tessera/graph/gradients.h"
#include "tessera/graph/name_scope.h"
#include "tessera/graph/passes/passes.h"
#include "tessera/graph/trace.h"
#include "tessera/nn/trace.h"

namespace tessera::train {

const graph::Function& GraphStep::function_for(const Tensor& input, const Tensor& target) {
  auto key = std::make_pair(input.shape(), target.shape());
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  // Static shapes: layers whose attributes depend on the batch in float arithmetic (batch norm's unbiased
  // running variance) trace as well as any other.
  auto f = [&](const std::vector<Tensor>& in) {
    Tensor out = graph::name(model_.forward(in[0]), "output");
    return std::vector<Tensor>{loss_(out, in[1]), out};
  };
  graph::Function fwd =
      graph::trace(f, {graph::InputSpec::like("input", input), graph::InputSpec::like("target", target)},
                   {.capture_names = nn::capture_names(model_), .output_names = {"loss", "output"}});
  std::vector<std::string> wrt;
  for (const auto& [name, p] : model_.named_parameters()) {
    if (p.requires_grad()) wrt.push_back(name);
  }
  graph::Function step = graph::gradients(fwd, "loss", wrt);
  graph::Function fast(graph::fuse_elementwise(graph::fuse_conv2d(graph::optimize(step.graph()))));
  return cache_.emplace(std::move(key), std::move(fast)).first->second;
}

std::pair<Tensor, Tensor> GraphStep::run(const Tensor& input, const Tensor& target) {
  const graph::Function& f = function_for(input, target);
  last_ = &f;
  std::vector<Tensor> r = f({input, target});
  size_t i = 2;
  for (const Tensor& p : model_.parameters()) {
    if (p.requires_grad()) p.set_grad(r.at(i++));
  }
  return {r[0], r[1]};
}

}  // namespace tessera::train
