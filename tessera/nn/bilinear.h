#pragma once
// Bilinear (torch.nn.Bilinear): y = x1^T A x2 + b, one learned matrix A per output feature.
#include <string>

#include "tessera/nn/module.h"

namespace tessera::nn {

/// y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o]: input1 [*, in1_features] and input2
/// [*, in2_features] (the same leading dims) -> [*, out_features]. Weight [out, in1, in2] and bias [out] start
/// as PyTorch's: U(-1/sqrt(in1), 1/sqrt(in1)). ShapeError naming the layer, the expected and the found shapes.
class Bilinear : public Module {
 public:
  Bilinear(int64_t in1_features, int64_t in2_features, int64_t out_features, bool bias = true, DType dtype = kFloat32);
  Tensor forward(const Tensor& input1, const Tensor& input2);
  std::string type_name() const override { return "Bilinear"; }
  std::string extra_repr() const override;
  /// Re-draws weight and bias with the default initialization.
  void reset_parameters();

  int64_t in1_features, in2_features, out_features;
  Tensor weight, bias;
};

namespace functional {

/// The bilinear form of Bilinear (torch.nn.functional.bilinear): input1 [*, in1], input2 [*, in2] with equal
/// leading dims, weight [out, in1, in2], bias [out] (optional) -> [*, out]. ShapeError naming bilinear and the
/// shapes otherwise.
Tensor bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight, const Tensor& bias = {});

}  // namespace functional
}  // namespace tessera::nn
