#include "tessera/nn/transformer.h"

#include "tessera/autograd/grad_mode.h"
#include "tessera/ops/unary.h"

namespace tessera::nn {

TransformerEncoderLayer::TransformerEncoderLayer(int64_t d_model, int64_t nhead, TransformerEncoderLayerOptions opts)
    : d_model(d_model), nhead(nhead), options(std::move(opts)) {
  const auto& o = options;
  check<ValueError>(o.activation_fn || o.activation == "relu" || o.activation == "gelu",
                    "TransformerEncoderLayer: activation should be relu/gelu, not ", o.activation);
  // Registration order is PyTorch's, so named_parameters() and state_dict() list the same keys in the same order.
  self_attn = register_module(
      "self_attn", make<MultiheadAttention>(d_model, nhead,
                                            MultiheadAttentionOptions{
                                                .dropout = o.dropout, .batch_first = o.batch_first, .dtype = o.dtype}));
  linear1 = register_module("linear1", make<Linear>(d_model, o.dim_feedforward, true, o.dtype));
  dropout = register_module("dropout", make<Dropout>(o.dropout));
  linear2 = register_module("linear2", make<Linear>(o.dim_feedforward, d_model, true, o.dtype));
  norm1 = register_module("norm1", make<LayerNorm>(Shape{d_model}, o.layer_norm_eps, true, o.dtype));
  norm2 = register_module("norm2", make<LayerNorm>(Shape{d_model}, o.layer_norm_eps, true, o.dtype));
  dropout1 = register_module("dropout1", make<Dropout>(o.dropout));
  dropout2 = register_module("dropout2", make<Dropout>(o.dropout));
}

Tensor TransformerEncoderLayer::activate(const Tensor& x) const {
  if (options.activation_fn) return options.activation_fn(x);
  return options.activation == "gelu" ? gelu(x) : relu(x);
}

Tensor TransformerEncoderLayer::forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask,
                                        bool is_causal) {
  if ((src.dim() != 3 && src.dim() != 2) || src.size(-1) != d_model) {
    throw ShapeError(cat("TransformerEncoderLayer(", d_model, ", ", nhead, "): expected src ",
                         options.batch_first ? "[N, S, " : "[S, N, ", d_model, "], got ", shape_of(src)));
  }
  auto sa = [&](const Tensor& x) {
    return (*dropout1)(self_attn->forward(x, x, x, src_key_padding_mask, false, src_mask, true, is_causal).first);
  };
  auto ff = [&](const Tensor& x) { return (*dropout2)((*linear2)((*dropout)(activate((*linear1)(x))))); };
  Tensor x = src;
  if (options.norm_first) {
    x = x + sa((*norm1)(x));
    return x + ff((*norm2)(x));
  }
  x = (*norm1)(x + sa(x));
  return (*norm2)(x + ff(x));
}

std::shared_ptr<TransformerEncoderLayer> TransformerEncoderLayer::clone() const {
  auto copy = make<TransformerEncoderLayer>(d_model, nhead, options);
  copy->to(linear1->weight.dtype());
  copy->load_state_dict(state_dict());
  copy->train(is_training());
  NoGradGuard no_grad;
  const NamedTensors mine = named_parameters(), theirs = copy->named_parameters();
  for (size_t i = 0; i < mine.size(); ++i) {
    Tensor p = theirs[i].second;
    p.requires_grad_(mine[i].second.requires_grad());
  }
  return copy;
}

TransformerEncoder::TransformerEncoder(const TransformerEncoderLayer& encoder_layer, int64_t num_layers,
                                       ModulePtr norm_module)
    : num_layers(num_layers) {
  check<ValueError>(num_layers >= 1, "TransformerEncoder: num_layers must be >= 1, got ", num_layers);
  layers = register_module("layers", make<ModuleList>());
  for (int64_t i = 0; i < num_layers; ++i) layers->push_back(encoder_layer.clone());
  if (norm_module) norm = register_module("norm", std::move(norm_module));
}

TransformerEncoderLayer& TransformerEncoder::layer(int64_t i) const {
  return static_cast<TransformerEncoderLayer&>(*(*layers)[i]);
}

Tensor TransformerEncoder::forward(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask,
                                   bool is_causal) {
  Tensor x = src;
  for (int64_t i = 0; i < num_layers; ++i) x = layer(i).forward(x, mask, src_key_padding_mask, is_causal);
  return norm ? (*norm)(x) : x;
}

}  // namespace tessera::nn
