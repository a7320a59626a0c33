// The sequence layers inside a traced graph (graph::trace / nn::trace): Embedding, Bilinear, scaled dot-product
// attention, MultiheadAttention with masks, and TransformerEncoder give the eager results, with a dynamic batch.
#include <gtest/gtest.h>

#include <vector>

#include "nn_testing.h"
#include "sequence_testing.h"
#include "tessera/graph/trace.h"
#include "tessera/nn/attention.h"
#include "tessera/nn/bilinear.h"
#include "tessera/nn/embedding.h"
#include "tessera/nn/trace.h"
#include "tessera/nn/transformer.h"

namespace tessera {
namespace {

using graph::Dim;
using testing::input_wave;

void expect_same(const Tensor& traced, const Tensor& eager) {
  ASSERT_EQ(traced.shape(), eager.shape());
  testing::expect_near(traced, testing::doubles(eager), 1e-12, 1e-12);
}

TEST(SequenceTrace, EmbeddingWithPaddingAndScaleGrad) {
  nn::Embedding m(10, 3, {.padding_idx = 4, .scale_grad_by_freq = true, .dtype = kFloat64});
  m.eval();
  graph::Function fn = nn::trace(m, {"ids", {Dim("N"), 4}, kInt64});
  for (int64_t n : {1, 3}) {
    std::vector<int64_t> ids;
    for (int64_t i = 0; i < 4 * n; ++i) ids.push_back((i * 7 + 1) % 10);
    const Tensor x = testing::make<int64_t>(ids, {n, 4});
    expect_same(fn({x})[0], m(x));
  }
}

TEST(SequenceTrace, BilinearAndScaledDotProductAttention) {
  nn::Bilinear bil(3, 4, 2, true, kFloat64);
  auto f = [&](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{
        bil.forward(in[0], in[1]),
        nn::functional::scaled_dot_product_attention(in[2], in[2], in[2], !testing::block_mask(5, 5), 0.0, true)};
  };
  graph::Function fn = graph::trace(
      f, {{"a", {Dim("N"), 3}, kFloat64}, {"b", {Dim("N"), 4}, kFloat64}, {"s", {Dim("N"), 5, 6}, kFloat64}});
  for (int64_t n : {1, 4}) {
    const std::vector<Tensor> in{input_wave({n, 3}), input_wave({n, 4}, 1.0, 1.0), input_wave({n, 5, 6}, 1.0, 2.0)};
    const std::vector<Tensor> got = fn(in), want = f(in);
    expect_same(got[0], want[0]);
    expect_same(got[1], want[1]);
  }
}

TEST(SequenceTrace, MultiheadAttentionWithMasks) {
  nn::MultiheadAttention m(8, 2, {.batch_first = true, .kdim = 6, .dtype = kFloat64});
  testing::fill_parameters(m);
  auto f = [&](const std::vector<Tensor>& in) {
    auto [out, w] = m.forward(in[0], in[1], in[2], in[3], true, testing::block_mask(3, 5), false);
    return std::vector<Tensor>{out, w};
  };
  graph::Function fn = graph::trace(f, {{"q", {Dim("N"), 3, 8}, kFloat64},
                                        {"k", {Dim("N"), 5, 6}, kFloat64},
                                        {"v", {Dim("N"), 5, 8}, kFloat64},
                                        {"kpm", {Dim("N"), 5}, kBool}});
  for (int64_t n : {1, 3}) {
    std::vector<bool> pad;
    for (int64_t i = 0; i < 5 * n; ++i) pad.push_back(i % 5 == 4 && i / 5 != 1);
    const std::vector<Tensor> in{input_wave({n, 3, 8}), input_wave({n, 5, 6}, 1.0, 1.0),
                                 input_wave({n, 5, 8}, 1.0, 2.0), testing::make<bool>(pad, {n, 5})};
    const std::vector<Tensor> got = fn(in), want = f(in);
    expect_same(got[0], want[0]);
    expect_same(got[1], want[1]);
  }
}

TEST(SequenceTrace, TransformerEncoder) {
  nn::TransformerEncoder enc(nn::TransformerEncoderLayer(8, 2, {.dim_feedforward = 16, .dtype = kFloat64}), 2);
  testing::fill_parameters(enc);
  enc.eval();
  graph::Function fn = nn::trace(enc, {"src", {5, Dim("N"), 8}, kFloat64});
  for (int64_t n : {1, 2}) {
    const Tensor x = input_wave({5, n, 8});
    expect_same(fn({x})[0], enc(x));
  }
}

}  // namespace
}  // namespace tessera
