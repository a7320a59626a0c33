#pragma once
// Helpers shared by the spatial-layer tests (conv_transpose, padding, pooling1d, instance_norm, upsampling):
// a module made from a function, so functional forms and forward(x, output_size) run through expect_layer, and
// a check that a layer traced with a dynamic batch gives its eager output.
#include <functional>
#include <string>
#include <utility>

#include "nn_testing.h"
#include "tessera/graph/trace.h"
#include "tessera/nn/trace.h"

namespace tessera::testing {

/// A layer computing fn(x); `inner` (optional) is registered as its child, so its parameters are the layer's (in
/// the same order as the Python side's Fn wrapper).
class Lambda : public nn::Module {
 public:
  explicit Lambda(std::function<Tensor(const Tensor&)> fn, nn::ModulePtr inner = nullptr) : fn_(std::move(fn)) {
    if (inner) register_module("inner", std::move(inner));
  }
  Tensor forward(const Tensor& x) override { return fn_(x); }
  std::string type_name() const override { return "Lambda"; }

 private:
  std::function<Tensor(const Tensor&)> fn_;
};

/// Traces `m` on inputs [N, *shape_tail] (N dynamic) and expects the graph to give m's eager output for batch
/// sizes 1 and 3.
inline void expect_traced_matches_eager(nn::Module& m, const Shape& tail) {
  std::vector<graph::Dim> dims{graph::Dim("N")};
  for (int64_t d : tail) dims.emplace_back(d);
  graph::Function fn = nn::trace(m, {"x", dims, kFloat64});
  for (int64_t n : {1, 3}) {
    Shape s{n};
    s.insert(s.end(), tail.begin(), tail.end());
    const Tensor x = input_wave(s);
    const Tensor got = fn({x})[0], want = m(x);
    ASSERT_EQ(got.shape(), want.shape());
    expect_near(got, doubles(want), 1e-12, 1e-12);
  }
}

}  // namespace tessera::testing
