#pragma once
// Attention (Vaswani et al. 2017): scaled dot-product attention and MultiheadAttention with PyTorch's names,
// arguments, parameter names (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias: state_dicts map
// 1:1) and default initialization. Written with Tessera ops, so gradients and tracing come for free.
//
// Note [Attention masks]: PyTorch uses two conventions and so do we. In scaled_dot_product_attention a bool
// attn_mask is True where a query MAY attend; in MultiheadAttention (attn_mask and key_padding_mask) True marks
// positions that may NOT be attended. Float masks are added to the scores in both (use -inf to mask). A row
// whose keys are all masked gives NaN, as in PyTorch.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "tessera/core/rng.h"
#include "tessera/nn/linear.h"
#include "tessera/nn/module.h"

namespace tessera::nn {

/// Options of MultiheadAttention after embed_dim and num_heads (add_bias_kv and add_zero_attn are not supported).
struct MultiheadAttentionOptions {
  double dropout = 0.0;                   ///< Dropout on the attention weights in training mode.
  bool bias = true;                       ///< in_proj_bias and out_proj.bias.
  bool batch_first = false;               ///< Inputs and output [N, L, E] instead of [L, N, E].
  std::optional<int64_t> kdim{}, vdim{};  ///< Key and value feature sizes (default embed_dim).
  DType dtype = kFloat32;
};

/// Multi-head attention: out = concat(head_1..head_h) W_o^T + b_o, head_i = softmax(q_i k_i^T / sqrt(d) + mask) v_i
/// with q_i, k_i, v_i the i-th head_dim slice of the projected query, key and value.
/// Shapes (batch_first = false): query [L, N, E], key [S, N, kdim], value [S, N, vdim] -> output [L, N, E] and
/// weights [N, L, S] (averaged over heads) or [N, num_heads, L, S]; batch_first swaps L/S and N; unbatched inputs
/// [L, E], [S, kdim], [S, vdim] give [L, E] and [L, S] / [num_heads, L, S].
/// Parameters: in_proj_weight [3E, E] (or q_proj_weight [E, E], k_proj_weight [E, kdim], v_proj_weight [E, vdim]
/// when kdim or vdim differ from E), in_proj_bias [3E], out_proj (Linear(E, E)); initialized as PyTorch:
/// xavier_uniform in-projections, zero biases, out_proj.weight as Linear.
/// Errors: ValueError when embed_dim is not divisible by num_heads; ShapeError naming the layer, the expected and
/// the found shape (`MultiheadAttention(16, 4): expected query [L, N, 16], got [5, 2, 8]`); DTypeError for a mask
/// that is neither bool nor floating point.
class MultiheadAttention : public Module {
 public:
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, MultiheadAttentionOptions options = {});

  /// (output, weights) as torch.nn.MultiheadAttention.forward. key_padding_mask [N, S] ([S] unbatched), bool
  /// (True = ignore that key) or float (added); attn_mask [L, S] or [N * num_heads, L, S], bool (True = not
  /// allowed) or float (added). is_causal additionally masks keys after the query's position (j > i); PyTorch
  /// takes it as a hint that attn_mask is that causal mask, so both agree whenever PyTorch accepts the call.
  /// weights is undefined unless need_weights; it is taken after dropout, as PyTorch.
  std::pair<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& key_padding_mask = {}, bool need_weights = true,
                                    const Tensor& attn_mask = {}, bool average_attn_weights = true,
                                    bool is_causal = false);
  /// Self-attention output forward(input, input, input, {}, false).first, so the layer can sit in a Sequential.
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "MultiheadAttention"; }
  /// Re-draws the parameters with the default initialization.
  void reset_parameters();
  /// "MultiheadAttention(16, 4)", the prefix of the layer's error messages.
  std::string name() const;

  int64_t embed_dim, num_heads, head_dim, kdim, vdim;
  MultiheadAttentionOptions options;
  Tensor in_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, in_proj_bias;
  std::shared_ptr<Linear> out_proj;
  Generator* generator = nullptr;  ///< Dropout's generator (the default one when null).
};

/// The float causal mask [sz, sz]: 0 on and below the diagonal, -inf above
/// (torch.nn.Transformer.generate_square_subsequent_mask).
Tensor generate_square_subsequent_mask(int64_t sz, DType dtype = kFloat32);

namespace functional {

/// softmax(q k^T * scale + mask) v (torch.nn.functional.scaled_dot_product_attention, PyTorch 2's math path):
/// query [..., L, E], key [..., S, E], value [..., S, Ev] -> [..., L, Ev]; batch dims broadcast; floating point.
/// attn_mask broadcasts to [..., L, S]: bool (True = may attend, Note [Attention masks]) or float (added).
/// is_causal masks keys j > i (top-left aligned when L != S); with attn_mask both apply. scale defaults to
/// 1 / sqrt(E). Dropout with probability dropout_p is applied to the weights whenever dropout_p > 0 (pass 0 in
/// eval). Errors: ShapeError naming scaled_dot_product_attention and the shapes; DTypeError for a mask that is
/// neither bool nor floating point; ValueError for dropout_p outside [0, 1].
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = {}, double dropout_p = 0.0, bool is_causal = false,
                                    std::optional<double> scale = {}, Generator* gen = nullptr);

}  // namespace functional
}  // namespace tessera::nn
