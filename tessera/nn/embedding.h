#pragma once
// Embedding (torch.nn.Embedding): a lookup table of learned vectors indexed by integer ids, with PyTorch's
// padding_idx, max_norm and scale_grad_by_freq. Composed of index_select and elementwise ops, so gradients,
// higher-order gradients and tracing come for free (sparse gradients are not supported).
#include <memory>
#include <optional>
#include <string>

#include "tessera/nn/module.h"

namespace tessera::nn {

/// Options of Embedding after the table size: `Embedding(100, 16, {.padding_idx = 0})`.
struct EmbeddingOptions {
  /// Row whose gradient is always zero (and which the constructor zero-initializes); negative counts from the end.
  std::optional<int64_t> padding_idx{};
  /// When set, every looked-up row whose norm_type-norm exceeds it is rescaled in place to norm max_norm
  /// (PyTorch's embedding_renorm_: row *= max_norm / (norm + 1e-7)); not done inside a traced graph.
  std::optional<double> max_norm{};
  double norm_type = 2.0;
  /// Scales each row's gradient by 1 / (number of times its index occurs in the batch).
  bool scale_grad_by_freq = false;
  DType dtype = kFloat32;
};

/// Looks up rows of `weight` [num_embeddings, embedding_dim]: indices (int64/int32, any shape [*]) ->
/// [*, embedding_dim]. Weight starts as N(0, 1) with the padding row zeroed (PyTorch's reset_parameters).
/// Errors: DTypeError for non-integer indices; IndexError naming the layer, the index and the table size
/// (`Embedding(10, 3): index 12 is out of range for 10 embeddings`); ValueError for a bad padding_idx.
class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options = {});
  /// A layer whose table is `embeddings` [V, D] (sharing its storage, not zeroing the padding row), frozen
  /// (requires_grad false) unless `freeze` is false (torch's Embedding.from_pretrained). ShapeError unless 2-d.
  static std::shared_ptr<Embedding> from_pretrained(const Tensor& embeddings, bool freeze = true,
                                                    EmbeddingOptions options = {});

  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Embedding"; }
  std::string extra_repr() const override;
  /// Re-draws the weight from N(0, 1) and zeroes the padding row.
  void reset_parameters();

  int64_t num_embeddings, embedding_dim;
  EmbeddingOptions options;  ///< padding_idx is stored wrapped to [0, num_embeddings).
  Tensor weight;

 private:
  Embedding(const Tensor& weight, bool freeze, EmbeddingOptions options);
};

namespace functional {

/// weight[input] (torch.nn.functional.embedding): input int64/int32 [*], weight [V, D] -> [*, D].
/// padding_idx: that row gets no gradient (negative counts from the end). max_norm: rows looked up whose
/// norm_type-norm exceeds it are rescaled in place in `weight` before the lookup (skipped while tracing).
/// scale_grad_by_freq: row gradients divided by the index's count in `input`. Errors: DTypeError for
/// non-integer indices, ShapeError for a weight that is not 2-d, IndexError naming embedding, the index and V,
/// ValueError for padding_idx outside [-V, V).
Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx = {},
                 std::optional<double> max_norm = {}, double norm_type = 2.0, bool scale_grad_by_freq = false);

}  // namespace functional
}  // namespace tessera::nn
