#include "tessera/nn/embedding.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "tessera/autograd/grad_mode.h"
#include "tessera/backend/cpu/copy.h"
#include "tessera/nn/init.h"
#include "tessera/ops/compare.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/index.h"
#include "tessera/ops/reduce.h"

namespace tessera::nn {
namespace {

// The name in error messages ("embedding", "Embedding(10, 3)"), built only when an error is thrown.
using NameFn = std::function<std::string()>;

// padding_idx wrapped to [0, rows); ValueError naming `who` outside [-rows, rows).
std::optional<int64_t> wrap_padding_idx(std::optional<int64_t> padding_idx, int64_t rows, const NameFn& who) {
  if (!padding_idx) return padding_idx;
  const int64_t p = *padding_idx;
  if (p < -rows || p >= rows) {
    throw ValueError(cat(who(), ": padding_idx ", p, " must be within num_embeddings ", rows));
  }
  return p < 0 ? p + rows : p;
}

void check_indices(const Tensor& input, const Tensor& weight, const NameFn& who) {
  if (input.dtype() != kInt64 && input.dtype() != kInt32) {
    throw DTypeError(cat(who(), ": expected int64 or int32 indices, got ", input.dtype()));
  }
  if (weight.dim() != 2) {
    throw ShapeError(cat(who(), ": expected weight [num_embeddings, embedding_dim], got ", shape_of(weight)));
  }
  if (input.numel() == 0 || input.is_symbolic()) return;  // traced: index_select checks the range at run time
  const int64_t lo = input.amin().item<int64_t>(), hi = input.amax().item<int64_t>(), rows = weight.size(0);
  if (lo < 0 || hi >= rows) {
    throw IndexError(cat(who(), ": index ", lo < 0 ? lo : hi, " is out of range for ", rows, " embeddings"));
  }
}

// PyTorch's embedding_renorm_: each distinct looked-up row whose norm exceeds max_norm is scaled in place by
// max_norm / (norm + 1e-7). Not recorded by autograd (the lookup that follows sees the new values).
void renorm_rows(const Tensor& weight, const Tensor& input, double max_norm, double norm_type) {
  NoGradGuard no_grad;
  const Tensor ids = cpu::as_contiguous(input.to(kInt64));
  const int64_t* p = ids.data_ptr<const int64_t>();
  std::vector<int64_t> rows(p, p + ids.numel());
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  const Tensor table = weight.detach();
  const Tensor norms = norm(index_select(table, 0, from_vector(rows)), norm_type, {1}).to(kFloat64);
  const std::vector<double> n(norms.data_ptr<const double>(), norms.data_ptr<const double>() + norms.numel());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (n[i] <= max_norm) continue;
    Tensor row = table.select(0, rows[i]);
    row.copy_(row * (max_norm / (n[i] + 1e-7)));
  }
}

Tensor lookup(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx,
              std::optional<double> max_norm, double norm_type, bool scale_grad_by_freq, const NameFn& who) {
  check_indices(input, weight, who);
  padding_idx = wrap_padding_idx(padding_idx, weight.size(0), who);
  if (max_norm && !input.is_symbolic() && input.numel() > 0) renorm_rows(weight, input, *max_norm, norm_type);
  const Tensor flat = input.reshape({-1});
  const Tensor rows = index_select(weight, 0, flat);
  Shape out_shape = input.shape();
  out_shape.push_back(weight.size(1));
  if (!padding_idx && !scale_grad_by_freq) return rows.reshape(out_shape);
  // Per-position gradient factors c (0 at the padding index, 1 / count with scale_grad_by_freq): the output
  // rows + (rows - rows') c with rows' = rows.detach() has rows' values exactly and the gradient c g.
  Tensor c = ones({flat.numel()}, weight.dtype());
  if (padding_idx) c = ne(flat, Scalar(*padding_idx)).to(weight.dtype());
  if (scale_grad_by_freq) {
    const Tensor counts = index_add(zeros({weight.size(0)}, weight.dtype()), 0, flat, ones_like(c));
    c = c / index_select(counts, 0, flat);
  }
  const Tensor fixed = rows.detach();
  return (fixed + (rows - fixed) * c.unsqueeze(1)).reshape(out_shape);
}

}  // namespace

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions opts)
    : num_embeddings(num_embeddings), embedding_dim(embedding_dim), options(std::move(opts)) {
  check<ValueError>(num_embeddings >= 0 && embedding_dim >= 0, "Embedding: sizes must be >= 0, got ", num_embeddings,
                    ", ", embedding_dim);
  options.padding_idx = wrap_padding_idx(options.padding_idx, num_embeddings, [] { return "Embedding"; });
  weight = register_parameter("weight", empty({num_embeddings, embedding_dim}, options.dtype));
  reset_parameters();
}

Embedding::Embedding(const Tensor& table, bool freeze, EmbeddingOptions opts)
    : num_embeddings(table.size(0)), embedding_dim(table.size(1)), options(std::move(opts)) {
  options.padding_idx =
      wrap_padding_idx(options.padding_idx, num_embeddings, [] { return "Embedding.from_pretrained"; });
  options.dtype = table.dtype();
  weight = register_parameter("weight", table.detach(), !freeze);
}

std::shared_ptr<Embedding> Embedding::from_pretrained(const Tensor& embeddings, bool freeze, EmbeddingOptions options) {
  check<ShapeError>(embeddings.dim() == 2,
                    "Embedding.from_pretrained: expected embeddings [num_embeddings, embedding_dim], got ",
                    shape_of(embeddings));
  check<DTypeError>(embeddings.is_floating_point(),
                    "Embedding.from_pretrained: expected floating-point embeddings, got ", embeddings.dtype());
  return std::shared_ptr<Embedding>(new Embedding(embeddings, freeze, std::move(options)));
}

void Embedding::reset_parameters() {
  init::normal_(weight);
  if (options.padding_idx) {
    NoGradGuard no_grad;
    weight.detach().select(0, *options.padding_idx).zero_();
  }
}

Tensor Embedding::forward(const Tensor& input) {
  return lookup(input, weight, options.padding_idx, options.max_norm, options.norm_type, options.scale_grad_by_freq,
                [this] { return cat("Embedding(", num_embeddings, ", ", embedding_dim, ")"); });
}

std::string Embedding::extra_repr() const {
  std::string s = cat(num_embeddings, ", ", embedding_dim);
  if (options.padding_idx) s += cat(", padding_idx=", *options.padding_idx);
  if (options.max_norm) s += cat(", max_norm=", *options.max_norm);
  if (options.norm_type != 2.0) s += cat(", norm_type=", options.norm_type);
  if (options.scale_grad_by_freq) s += ", scale_grad_by_freq=True";
  return s;
}

namespace functional {

Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx,
                 std::optional<double> max_norm, double norm_type, bool scale_grad_by_freq) {
  return lookup(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, [] { return "embedding"; });
}

}  // namespace functional
}  // namespace tessera::nn
