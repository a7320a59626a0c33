#pragma once
// Graph mode's values and symbolic gradients of one op, for the op tests that check eager results against PyTorch:
// the same reference values must come out of a traced graph with a dynamic batch.
#include <functional>
#include <string>
#include <vector>

#include "testing.h"

namespace tessera::testing {

/// Traces y = f(in) and loss = sum(y * g), with dim 0 (the batch) of in[0], of y and of g dynamic ("N"), builds
/// graph::gradients of loss with respect to every input, and runs that graph on a batch twice as large as the one
/// given: in[0] and g each concatenated with themselves. Returns y, then the gradient of each input, mapped back to
/// the batch given: the first half of y and of in[0]'s gradient, and half the gradient of every other input (each
/// a sum over the batch).
inline std::vector<Tensor> traced_vjp(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                      const std::vector<Tensor>& in, const Tensor& g) {
  std::vector<graph::InputSpec> specs{graph::InputSpec::like("in0", in[0], {{0, "N"}})};
  std::vector<std::string> wrt{"in0"};
  for (size_t i = 1; i < in.size(); ++i) {
    wrt.push_back(cat("in", i));
    specs.push_back(graph::InputSpec::like(wrt.back(), in[i]));
  }
  specs.push_back(graph::InputSpec::like("g", g, {{0, "N"}}));
  auto traced = [&](const std::vector<Tensor>& t) {
    const Tensor y = f({t.begin(), t.end() - 1});
    return std::vector<Tensor>{y, (y * t.back()).sum()};
  };
  const graph::Function grads =
      graph::gradients(graph::trace(traced, specs, {.output_names = {"y", "loss"}}), "loss", wrt);

  std::vector<Tensor> feeds{tessera::cat({in[0], in[0]})};
  for (size_t i = 1; i < in.size(); ++i) feeds.push_back(in[i]);
  feeds.push_back(tessera::cat({g, g}));
  const std::vector<Tensor> out = grads(feeds);  // y, loss, then the gradients
  const int64_t n = in[0].size(0);
  std::vector<Tensor> result{out[0].narrow(0, 0, n), out[2].narrow(0, 0, n)};
  for (size_t i = 3; i < out.size(); ++i) result.push_back(out[i] * 0.5);
  return result;
}

}  // namespace tessera::testing
