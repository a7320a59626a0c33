// TransformerEncoderLayer and TransformerEncoder vs PyTorch 1.13 (dropout 0): output, input gradient and every
// parameter gradient for the same float64 weights and inputs (reference_values.h, written by
// tests/nn/make_reference.py), post-norm and pre-norm, relu and gelu, batch_first both ways, masks, unbatched and
// batch-1 inputs; PyTorch's parameter names, cloning, dropout in train and eval mode, and the errors.
#include "tessera/nn/transformer.h"

#include <gtest/gtest.h>

#include <vector>

#include "nn_testing.h"
#include "reference_values.h"
#include "sequence_testing.h"
#include "tessera/nn/attention.h"

namespace tessera {
namespace {

using testing::block_mask;
using testing::expect_all;
using testing::expect_error;
using testing::fill_parameters;
using testing::grad_wave;
using testing::input_wave;
using testing::NnReference;

const NnReference& ref(const std::string& name) {
  return testing::find_reference(testing::nn_reference::transformer(), name);
}

// make_reference.py's layer(): d_model 8, 2 heads, feed-forward 16, no dropout, float64.
nn::TransformerEncoderLayerOptions small(nn::TransformerEncoderLayerOptions o = {}) {
  o.dim_feedforward = 16, o.dropout = 0.0, o.dtype = kFloat64;
  return o;
}

// [y, dx, dparams...] of sum(f(x) * g) with m's parameters filled as make_reference.py.
template <class Fn>
std::vector<Tensor> step(nn::Module& m, const Tensor& x_value, Fn f) {
  fill_parameters(m);
  const Tensor x = x_value.detach().clone().requires_grad_();
  const Tensor y = f(x);
  y.backward(grad_wave(y.shape()));
  std::vector<Tensor> out{y.detach(), x.grad()};
  for (const Tensor& p : m.parameters()) out.push_back(p.grad());
  m.zero_grad();
  return out;
}

// step() of the single-input forward.
std::vector<Tensor> forward_step(nn::Module& m, const Tensor& x) {
  return step(m, x, [&m](const Tensor& t) { return m(t); });
}

Tensor key_padding() {
  return testing::make<bool>({false, false, false, true, true, false, true, false, false, false}, {2, 5});
}

TEST(TransformerEncoderLayer, MatchesPyTorch) {
  nn::TransformerEncoderLayer post(8, 2, small());
  expect_all(forward_step(post, input_wave({5, 2, 8})), ref("encoder_layer"));
  expect_all(forward_step(post, input_wave({4, 8})), ref("encoder_layer_unbatched"));
  expect_all(forward_step(post, input_wave({3, 1, 8})), ref("encoder_layer_batch1"));
  nn::TransformerEncoderLayer pre(8, 2, small({.activation = "gelu", .norm_first = true}));
  expect_all(forward_step(pre, input_wave({5, 2, 8})), ref("encoder_layer_norm_first_gelu"));
}

TEST(TransformerEncoderLayer, BatchFirstWithMasks) {
  nn::TransformerEncoderLayer m(8, 2, small({.layer_norm_eps = 1e-3, .batch_first = true}));
  expect_all(
      step(m, input_wave({2, 5, 8}), [&](const Tensor& x) { return m.forward(x, block_mask(5, 5), key_padding()); }),
      ref("encoder_layer_batch_first_masks"));
  // Pre-norm with the causal mask, given as a float mask or as is_causal.
  nn::TransformerEncoderLayer pre(8, 2, small({.batch_first = true, .norm_first = true}));
  const Tensor causal = nn::generate_square_subsequent_mask(5, kFloat64);
  const NnReference& r = ref("encoder_layer_norm_first_batch_first_causal");
  expect_all(step(pre, input_wave({2, 5, 8}), [&](const Tensor& x) { return pre.forward(x, causal); }), r);
  expect_all(step(pre, input_wave({2, 5, 8}), [&](const Tensor& x) { return pre.forward(x, {}, {}, true); }), r);
}

TEST(TransformerEncoderLayer, ParameterNamesAsPyTorch) {
  nn::TransformerEncoderLayer m(8, 2);
  std::vector<std::string> names;
  for (const auto& [n, p] : m.state_dict()) names.push_back(n);
  EXPECT_EQ(names,
            (std::vector<std::string>{"self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                                      "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
                                      "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"}));
  EXPECT_EQ(m.linear1->weight.shape(), (Shape{2048, 8}));  // dim_feedforward defaults to 2048
  EXPECT_EQ(m.dropout->p, 0.1);
  std::vector<std::string> children;
  for (const auto& [n, c] : m.named_children()) children.push_back(n);
  EXPECT_EQ(children, (std::vector<std::string>{"self_attn", "linear1", "dropout", "linear2", "norm1", "norm2",
                                                "dropout1", "dropout2"}));
}

TEST(TransformerEncoderLayer, CustomActivationAndFloat32) {
  nn::TransformerEncoderLayer relu_fn(8, 2, small({.activation_fn = [](const Tensor& x) { return relu(x); }}));
  expect_all(forward_step(relu_fn, input_wave({5, 2, 8})), ref("encoder_layer"));
  nn::TransformerEncoderLayer f32(8, 2, {.dim_feedforward = 16, .dropout = 0.0});
  fill_parameters(f32);
  const Tensor y = f32(input_wave({5, 2, 8}).to(kFloat32));
  EXPECT_EQ(y.dtype(), kFloat32);
  testing::expect_near(y, ref("encoder_layer").values[0], 1e-4, 1e-4);
}

TEST(TransformerEncoderLayer, DropoutTrainAndEval) {
  nn::TransformerEncoderLayer m(8, 2, {.dim_feedforward = 16, .dropout = 0.5, .dtype = kFloat64});
  fill_parameters(m);
  const Tensor x = input_wave({5, 2, 8});
  const Tensor train_y = m(x);
  m.eval();
  // Eval: every dropout is the identity, so the layer equals the dropout-free reference.
  testing::expect_near(m(x), ref("encoder_layer").values[0], testing::kNnTol, testing::kNnTol);
  const std::vector<double> a = testing::doubles(train_y), b = ref("encoder_layer").values[0];
  double diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = std::max(diff, std::abs(a[i] - b[i]));
  EXPECT_GT(diff, 1e-3);
}

TEST(TransformerEncoderLayer, Errors) {
  nn::TransformerEncoderLayer m(8, 2);
  EXPECT_EQ(testing::error_of([&] {
              m(zeros({5, 2, 6}));
            }),
            "TransformerEncoderLayer(8, 2): expected src [S, N, 8], got [5, 2, 6]");
  nn::TransformerEncoderLayer bf(8, 2, {.batch_first = true});
  expect_error<ShapeError>([&] { bf(zeros({8})); }, "TransformerEncoderLayer(8, 2): expected src [N, S, 8], got [8]");
  expect_error<ShapeError>(
      [&] {
        m.forward(zeros({5, 2, 8}), zeros({4, 4}, kBool));
      },
      "MultiheadAttention(8, 2): expected attn_mask [5, 5]");
  expect_error<ValueError>([] { nn::TransformerEncoderLayer(8, 2, {.activation = "tanh"}); },
                           "activation should be relu/gelu, not tanh");
  expect_error<ValueError>([] { nn::TransformerEncoderLayer(8, 3); }, "divisible");
}

// ---- TransformerEncoder ---------------------------------------------------------------------------------------

TEST(TransformerEncoder, MatchesPyTorch) {
  nn::TransformerEncoder enc(nn::TransformerEncoderLayer(8, 2, small()), 2,
                             std::make_shared<nn::LayerNorm>(Shape{8}, 1e-5, true, kFloat64));
  EXPECT_EQ(enc.parameters().size(), 26u);
  expect_all(step(enc, input_wave({5, 2, 8}), [&](const Tensor& x) { return enc.forward(x, {}, key_padding()); }),
             ref("encoder_stack_norm"));
  nn::TransformerEncoder pre(nn::TransformerEncoderLayer(8, 2, small({.norm_first = true})), 3);
  EXPECT_EQ(pre.norm, nullptr);
  expect_all(forward_step(pre, input_wave({4, 2, 8})), ref("encoder_stack_norm_first"));
}

TEST(TransformerEncoder, ClonesStartEqualAndAreIndependent) {
  nn::TransformerEncoderLayer proto(8, 2, {.dim_feedforward = 16});
  proto.to(kFloat64);
  proto.norm2->bias.detach().fill_(0.25);
  proto.linear2->bias.requires_grad_(false);
  proto.eval();
  nn::TransformerEncoder enc(proto, 2, std::make_shared<nn::LayerNorm>(Shape{8}));
  const auto names = enc.named_parameters();
  EXPECT_EQ(names.front().first, "layers.0.self_attn.in_proj_weight");
  EXPECT_EQ(names.back().first, "norm.bias");
  for (int64_t i = 0; i < 2; ++i) {
    const nn::TransformerEncoderLayer& layer = enc.layer(i);
    EXPECT_FALSE(layer.is_training());
    EXPECT_FALSE(layer.linear2->bias.requires_grad());
    EXPECT_TRUE(layer.linear1->bias.requires_grad());
    EXPECT_EQ(layer.linear1->weight.dtype(), kFloat64);
    // Values are copied exactly (float64, not through the float32 the options name).
    testing::expect_near(layer.self_attn->in_proj_weight, testing::doubles(proto.self_attn->in_proj_weight), 0, 0);
    EXPECT_EQ(testing::doubles(layer.norm2->bias), std::vector<double>(8, 0.25));
    EXPECT_FALSE(layer.linear1->weight.is_same(proto.linear1->weight));
  }
  enc.layer(0).norm2->bias.detach().fill_(1.0);
  EXPECT_EQ(testing::doubles(enc.layer(1).norm2->bias), std::vector<double>(8, 0.25));
  expect_error<ValueError>([&] { nn::TransformerEncoder(proto, 0); }, "num_layers");
}

}  // namespace
}  // namespace tessera
