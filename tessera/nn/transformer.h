#pragma once
// TransformerEncoderLayer and TransformerEncoder (torch.nn's, Vaswani et al. 2017): submodule names, parameter
// names, arguments and defaults as PyTorch, so state_dicts map 1:1.
//
// PyTorch's inference fast path (eval mode without gradients) turns padded positions of src_key_padding_mask into
// zeros in TransformerEncoder's output; Tessera always computes the standard path (PyTorch's training path), so
// those positions hold the layer's values instead. Unpadded positions agree.
#include <functional>
#include <memory>
#include <string>

#include "tessera/nn/attention.h"
#include "tessera/nn/container.h"
#include "tessera/nn/dropout.h"
#include "tessera/nn/linear.h"
#include "tessera/nn/normalization.h"

namespace tessera::nn {

/// Options of TransformerEncoderLayer after d_model and nhead.
struct TransformerEncoderLayerOptions {
  int64_t dim_feedforward = 2048;
  double dropout = 0.1;
  std::string activation = "relu";  ///< "relu" or "gelu" (exact).
  /// When set, replaces `activation` (PyTorch's callable activation).
  std::function<Tensor(const Tensor&)> activation_fn{};
  double layer_norm_eps = 1e-5;
  bool batch_first = false;
  bool norm_first = false;  ///< Pre-norm (x + f(norm(x))) instead of post-norm (norm(x + f(x))).
  DType dtype = kFloat32;
};

/// Self-attention then a feed-forward block, each with a residual connection and LayerNorm:
/// post-norm x = norm1(x + sa(x)); x = norm2(x + ff(x)), pre-norm x = x + sa(norm1(x)); x = x + ff(norm2(x)),
/// where sa = dropout1(self_attn(x, x, x)) and ff = dropout2(linear2(dropout(activation(linear1(x))))).
/// src [S, N, d_model] ([N, S, d_model] with batch_first, [S, d_model] unbatched) -> the same shape.
/// Children as PyTorch: self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2.
/// Errors: ValueError for an unknown activation or d_model not divisible by nhead; ShapeError naming the layer.
class TransformerEncoderLayer : public Module {
 public:
  TransformerEncoderLayer(int64_t d_model, int64_t nhead, TransformerEncoderLayerOptions options = {});
  /// src_mask [S, S] or [N * nhead, S, S] and src_key_padding_mask [N, S] as MultiheadAttention's attn_mask and
  /// key_padding_mask (bool True = masked, or float added); is_causal masks later positions.
  Tensor forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask = {},
                 bool is_causal = false);
  Tensor forward(const Tensor& src) override { return forward(src, Tensor{}); }
  std::string type_name() const override { return "TransformerEncoderLayer"; }
  /// A new layer with the same options, dtype, training mode, values and requires_grad flags (copy.deepcopy).
  std::shared_ptr<TransformerEncoderLayer> clone() const;

  int64_t d_model, nhead;
  TransformerEncoderLayerOptions options;
  std::shared_ptr<MultiheadAttention> self_attn;
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<Dropout> dropout, dropout1, dropout2;
  std::shared_ptr<LayerNorm> norm1, norm2;

 private:
  Tensor activate(const Tensor& x) const;
};

/// A stack of num_layers copies of `encoder_layer` (independent parameters that start equal, as PyTorch's
/// deepcopy), then `norm` when given: children layers (layers.0, layers.1, ...) and norm.
/// Errors: ValueError for num_layers < 1.
class TransformerEncoder : public Module {
 public:
  TransformerEncoder(const TransformerEncoderLayer& encoder_layer, int64_t num_layers, ModulePtr norm = nullptr);
  /// Applies the layers in turn with the same masks, then norm.
  Tensor forward(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask = {},
                 bool is_causal = false);
  Tensor forward(const Tensor& src) override { return forward(src, Tensor{}); }
  std::string type_name() const override { return "TransformerEncoder"; }
  /// The i-th layer.
  TransformerEncoderLayer& layer(int64_t i) const;

  int64_t num_layers;
  std::shared_ptr<ModuleList> layers;
  ModulePtr norm;
};

}  // namespace tessera::nn
