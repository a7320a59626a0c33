#pragma once
// The two libraries behind one interface, so a benchmark case is written once and run as Tessera and as libtorch
// (bench_ops.cpp, bench_layer_ops.cpp): random, constant tensors and the gradient of y for an upstream dy.
#include <torch/torch.h>

#include <vector>

#include "tessera/autograd/engine.h"
#include "tessera/tessera.h"

namespace tessera::bench {

struct TesseraLib {
  static tessera::Tensor randn(tessera::Shape s) { return tessera::randn(std::move(s)); }
  static tessera::Tensor ones(tessera::Shape s) { return tessera::ones(std::move(s)); }
  static tessera::Tensor zeros(tessera::Shape s) { return tessera::zeros(std::move(s)); }
  static tessera::Shape shape(const tessera::Tensor& t) { return t.shape(); }
  static auto grad(const tessera::Tensor& y, std::vector<tessera::Tensor> in, const tessera::Tensor& dy) {
    return tessera::grad({y}, in, {dy});
  }
};

struct TorchLib {
  static torch::Tensor randn(std::vector<int64_t> s) { return torch::randn(s); }
  static torch::Tensor ones(std::vector<int64_t> s) { return torch::ones(s); }
  static torch::Tensor zeros(std::vector<int64_t> s) { return torch::zeros(s); }
  static std::vector<int64_t> shape(const torch::Tensor& t) { return t.sizes().vec(); }
  static auto grad(const torch::Tensor& y, std::vector<torch::Tensor> in, const torch::Tensor& dy) {
    return torch::autograd::grad({y}, in, {dy});
  }
};

}  // namespace tessera::bench
