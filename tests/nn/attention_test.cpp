// scaled_dot_product_attention and MultiheadAttention vs PyTorch (1.13's nn.MultiheadAttention; for SDPA, PyTorch
// 2's reference formula evaluated by 1.13): output, attention weights, input gradients and parameter gradients
// for the same float64 weights and inputs (reference_values.h, written by tests/nn/make_reference.py), with bool
// and float masks, key padding, causal masking, batch_first, kdim/vdim and unbatched inputs; dropout; errors.
#include "tessera/nn/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "nn_testing.h"
#include "reference_values.h"
#include "sequence_testing.h"
#include "tessera/autograd/gradcheck.h"
#include "tessera/nn/container.h"

namespace tessera {
namespace {

namespace F = nn::functional;
using testing::block_mask;
using testing::expect_all;
using testing::expect_error;
using testing::fill_parameters;
using testing::grad_wave;
using testing::input_wave;
using testing::NnReference;

const NnReference& ref(const std::string& name) {
  return testing::find_reference(testing::nn_reference::attention(), name);
}

constexpr double kInf = std::numeric_limits<double>::infinity();

Tensor key_padding() {
  return testing::make<bool>({false, false, true, false, true, true, false, false, false, false}, {2, 5});
}

// The query, key and value of make_reference.py's sdpa_case and mha_case: phases 0, 1 and 2.
Tensor q_of(const Shape& s) { return input_wave(s); }
Tensor k_of(const Shape& s) { return input_wave(s, 1.0, 1.0); }
Tensor v_of(const Shape& s) { return input_wave(s, 1.0, 2.0); }

// ---- scaled_dot_product_attention --------------------------------------------------------------------------

using Sdpa = std::function<Tensor(const Tensor&, const Tensor&, const Tensor&)>;

void expect_sdpa(const std::string& name, const Shape& qs, const Shape& ks, const Shape& vs, const Sdpa& f) {
  SCOPED_TRACE(name);
  const Tensor q = q_of(qs).requires_grad_(), k = k_of(ks).requires_grad_(), v = v_of(vs).requires_grad_();
  const Tensor y = f(q, k, v);
  y.backward(grad_wave(y.shape()));
  expect_all({y.detach(), q.grad(), k.grad(), v.grad()}, ref(name));
}

TEST(ScaledDotProductAttention, MatchesPyTorch) {
  auto plain = [](const Tensor& q, const Tensor& k, const Tensor& v) {
    return F::scaled_dot_product_attention(q, k, v);
  };
  expect_sdpa("sdpa", {2, 2, 3, 4}, {2, 2, 5, 4}, {2, 2, 5, 6}, plain);
  // A bool mask is True where attending is allowed (PyTorch's SDPA convention).
  expect_sdpa("sdpa_bool_mask", {2, 3, 4}, {2, 5, 4}, {2, 5, 3}, [](const Tensor& q, const Tensor& k, const Tensor& v) {
    return F::scaled_dot_product_attention(q, k, v, !block_mask(3, 5));
  });
  expect_sdpa("sdpa_float_mask_broadcast", {2, 2, 3, 4}, {2, 2, 5, 4}, {2, 2, 5, 6},
              [](const Tensor& q, const Tensor& k, const Tensor& v) {
                return F::scaled_dot_product_attention(q, k, v, testing::target_wave({2, 1, 3, 5}));
              });
  auto causal = [](const Tensor& q, const Tensor& k, const Tensor& v) {
    return F::scaled_dot_product_attention(q, k, v, {}, 0.0, true);
  };
  expect_sdpa("sdpa_causal", {1, 4, 3}, {1, 4, 3}, {1, 4, 2}, causal);
  expect_sdpa("sdpa_causal_l_ne_s", {3, 4}, {5, 4}, {5, 2}, causal);
  expect_sdpa("sdpa_scale", {2, 3, 4}, {2, 5, 4}, {2, 5, 3}, [](const Tensor& q, const Tensor& k, const Tensor& v) {
    return F::scaled_dot_product_attention(q, k, v, {}, 0.0, false, 0.3);
  });
}

TEST(ScaledDotProductAttention, CausalEqualsItsMaskAndBroadcasts) {
  const Tensor q = q_of({2, 4, 3}), k = k_of({2, 4, 3}), v = v_of({2, 4, 2});
  const Tensor causal = F::scaled_dot_product_attention(q, k, v, {}, 0.0, true);
  const Tensor allowed = !isinf(nn::generate_square_subsequent_mask(4, kFloat64));
  testing::expect_near(F::scaled_dot_product_attention(q, k, v, allowed), testing::doubles(causal), 1e-14, 1e-14);
  // Both together: the causal mask and attn_mask apply.
  testing::expect_near(F::scaled_dot_product_attention(q, k, v, allowed, 0.0, true), testing::doubles(causal), 1e-14,
                       1e-14);
  // Batch dims of q broadcast against a 2-d key/value; non-contiguous inputs.
  const Tensor y = F::scaled_dot_product_attention(q, k[0], v[0]);
  EXPECT_EQ(y.shape(), (Shape{2, 4, 2}));
  const Tensor kt = k_of({2, 3, 4}).transpose(1, 2);
  testing::expect_near(F::scaled_dot_product_attention(q, kt, v),
                       testing::doubles(F::scaled_dot_product_attention(q, kt.contiguous(), v)), 1e-14, 1e-14);
}

TEST(ScaledDotProductAttention, SecondOrderGradients) {
  const Tensor q = q_of({1, 2, 3}).requires_grad_(), k = k_of({1, 3, 3}).requires_grad_(),
               v = v_of({1, 3, 2}).requires_grad_();
  auto f = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{F::scaled_dot_product_attention(in[0], in[1], in[2], !block_mask(2, 3))};
  };
  EXPECT_TRUE(gradcheck(f, {q, k, v}));
  EXPECT_TRUE(gradgradcheck(f, {q, k, v}));
}

TEST(ScaledDotProductAttention, Dropout) {
  // With value = identity the output is the dropped-out weights: 0 or weight / (1 - p).
  const Tensor q = q_of({6, 8, 4}), k = k_of({6, 8, 4}), eye8 = eye(8, {}, kFloat64);
  const std::vector<double> w = testing::doubles(F::scaled_dot_product_attention(q, k, eye8));
  Generator gen(7);
  const std::vector<double> d =
      testing::doubles(F::scaled_dot_product_attention(q, k, eye8, {}, 0.25, false, {}, &gen));
  int zeros_seen = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    if (d[i] == 0.0) {
      ++zeros_seen;
    } else {
      EXPECT_NEAR(d[i], w[i] / 0.75, 1e-14);
    }
  }
  EXPECT_NEAR(zeros_seen / double(w.size()), 0.25, 0.08);  // 384 draws
  EXPECT_EQ(testing::doubles(F::scaled_dot_product_attention(q, k, eye8, {}, 1.0)), std::vector<double>(w.size(), 0.0));
}

TEST(ScaledDotProductAttention, FullyMaskedRowIsNaN) {
  const Tensor none_allowed = zeros({2, 3}, kBool);
  for (double x :
       testing::doubles(F::scaled_dot_product_attention(q_of({2, 4}), k_of({3, 4}), v_of({3, 2}), none_allowed))) {
    EXPECT_TRUE(std::isnan(x));
  }
}

TEST(ScaledDotProductAttention, Errors) {
  const Tensor q = zeros({2, 3, 4});
  expect_error<ShapeError>([&] { F::scaled_dot_product_attention(zeros({4}), q, q); },
                           {"scaled_dot_product_attention", "[4]"});
  expect_error<ShapeError>(
      [&] {
        F::scaled_dot_product_attention(q, zeros({2, 5, 3}), zeros({2, 5, 3}));
      },
      {"scaled_dot_product_attention", "[2, 3, 4]", "[2, 5, 3]"});
  expect_error<ShapeError>(
      [&] {
        F::scaled_dot_product_attention(q, zeros({2, 5, 4}), zeros({2, 6, 4}));
      },
      {"scaled_dot_product_attention", "[2, 6, 4]"});
  expect_error<ShapeError>(
      [&] {
        F::scaled_dot_product_attention(q, q, q, zeros({4, 3, 3}, kBool));
      },
      {"scaled_dot_product_attention", "attn_mask [4, 3, 3]"});
  expect_error<ShapeError>(
      [&] {
        F::scaled_dot_product_attention(q, q, q, zeros({2, 2, 3, 3}, kBool));
      },
      {"attn_mask [2, 2, 3, 3]", "[2, 3, 3]"});
  expect_error<DTypeError>(
      [&] {
        F::scaled_dot_product_attention(q, q, q, zeros({3, 3}, kInt64));
      },
      {"scaled_dot_product_attention", "int64"});
  expect_error<ValueError>([&] { F::scaled_dot_product_attention(q, q, q, {}, 1.5); }, "dropout_p");
}

// ---- MultiheadAttention -------------------------------------------------------------------------------------

using Mha = std::function<std::pair<Tensor, Tensor>(const Tensor&, const Tensor&, const Tensor&)>;

// make_reference.py's mha_case: [out, weights, dq, dk, dv, dparams...] of sum(out * g) + sum(weights * g), with
// q used thrice (self-attention) when k is undefined, and weights left out when need_weights is false.
std::vector<Tensor> mha_step(nn::MultiheadAttention& m, const Tensor& qv, const Tensor& kv, const Tensor& vv,
                             const Mha& call) {
  fill_parameters(m);
  std::vector<Tensor> inputs{qv.detach().clone().requires_grad_()};
  if (kv.defined()) {
    inputs.push_back(kv.detach().clone().requires_grad_());
    inputs.push_back(vv.detach().clone().requires_grad_());
  }
  const Tensor& q = inputs[0];
  auto [out, w] = kv.defined() ? call(q, inputs[1], inputs[2]) : call(q, q, q);
  Tensor total = (out * grad_wave(out.shape())).sum();
  if (w.defined()) total = total + (w * grad_wave(w.shape())).sum();
  total.backward();
  std::vector<Tensor> got{out.detach()};
  if (w.defined()) got.push_back(w.detach());
  for (const Tensor& t : inputs) got.push_back(t.grad());
  for (const Tensor& p : m.parameters()) got.push_back(p.grad());
  m.zero_grad();
  return got;
}

nn::MultiheadAttentionOptions f64(nn::MultiheadAttentionOptions o = {}) {
  o.dtype = kFloat64;
  return o;
}

Mha with(nn::MultiheadAttention& m, const Tensor& key_padding_mask = {}, bool need_weights = true,
         const Tensor& attn_mask = {}, bool average = true, bool is_causal = false) {
  return [&m, key_padding_mask, need_weights, attn_mask, average, is_causal](const Tensor& q, const Tensor& k,
                                                                             const Tensor& v) {
    return m.forward(q, k, v, key_padding_mask, need_weights, attn_mask, average, is_causal);
  };
}

TEST(MultiheadAttention, SelfAttentionMatchesPyTorch) {
  nn::MultiheadAttention m(8, 2, f64());
  expect_all(mha_step(m, input_wave({4, 2, 8}), {}, {}, with(m)), ref("mha_self"));
}

TEST(MultiheadAttention, KdimVdimMatchesPyTorch) {
  nn::MultiheadAttention m(8, 2, f64({.kdim = 6, .vdim = 5}));
  EXPECT_FALSE(m.in_proj_weight.defined());
  EXPECT_EQ(m.k_proj_weight.shape(), (Shape{8, 6}));
  EXPECT_EQ(m.v_proj_weight.shape(), (Shape{8, 5}));
  expect_all(mha_step(m, q_of({3, 2, 8}), k_of({5, 2, 6}), v_of({5, 2, 5}), with(m)), ref("mha_kdim_vdim"));
}

TEST(MultiheadAttention, BatchFirstPerHeadWeights) {
  nn::MultiheadAttention m(8, 4, f64({.batch_first = true}));
  const std::vector<Tensor> got =
      mha_step(m, q_of({2, 3, 8}), k_of({2, 5, 8}), v_of({2, 5, 8}), with(m, {}, true, {}, false));
  EXPECT_EQ(got[1].shape(), (Shape{2, 4, 3, 5}));
  expect_all(got, ref("mha_batch_first_per_head"));
}

TEST(MultiheadAttention, Masks) {
  nn::MultiheadAttention m(8, 2, f64());
  const Tensor q = q_of({3, 2, 8}), k = k_of({5, 2, 8}), v = v_of({5, 2, 8});
  expect_all(mha_step(m, q, k, v, with(m, key_padding(), true, block_mask(3, 5))), ref("mha_bool_masks"));
  expect_all(mha_step(m, q, k, v, with(m, testing::target_wave({2, 5}))), ref("mha_float_key_padding"));
  // A float [N * H, L, S] attn_mask with a bool key padding mask, batch first.
  nn::MultiheadAttention bf(8, 2, f64({.batch_first = true}));
  expect_all(mha_step(bf, q_of({2, 3, 8}), k_of({2, 5, 8}), v_of({2, 5, 8}),
                      with(bf, key_padding(), true, testing::target_wave({4, 3, 5}))),
             ref("mha_float_mask_3d"));
}

TEST(MultiheadAttention, Causal) {
  nn::MultiheadAttention m(8, 2, f64());
  const Tensor x = input_wave({4, 2, 8}), causal = nn::generate_square_subsequent_mask(4, kFloat64);
  EXPECT_EQ(testing::doubles(causal[0]), (std::vector<double>{0, -kInf, -kInf, -kInf}));
  expect_all(mha_step(m, x, {}, {}, with(m, {}, true, causal)), ref("mha_causal"));
  // is_causal alone, and with the mask it stands for (PyTorch's hint), agree with the mask.
  expect_all(mha_step(m, x, {}, {}, with(m, {}, true, {}, true, true)), ref("mha_causal"));
  expect_all(mha_step(m, x, {}, {}, with(m, {}, true, causal, true, true)), ref("mha_causal"));
}

TEST(MultiheadAttention, NoBiasBatch1Unbatched) {
  nn::MultiheadAttention no_bias(8, 4, f64({.bias = false}));
  EXPECT_FALSE(no_bias.in_proj_bias.defined());
  EXPECT_FALSE(no_bias.out_proj->bias.defined());
  const std::vector<Tensor> got =
      mha_step(no_bias, q_of({3, 1, 8}), k_of({4, 1, 8}), v_of({4, 1, 8}), with(no_bias, {}, false));
  expect_all(got, ref("mha_no_bias_batch1_no_weights"));
  nn::MultiheadAttention m(8, 2, f64());
  expect_all(mha_step(m, q_of({3, 8}), k_of({4, 8}), v_of({4, 8}), with(m)), ref("mha_unbatched"));
}

TEST(MultiheadAttention, ParametersAndInit) {
  nn::MultiheadAttention m(16, 4);
  std::vector<std::string> names;
  for (const auto& [n, p] : m.state_dict()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}));
  EXPECT_EQ(m.in_proj_weight.shape(), (Shape{48, 16}));
  EXPECT_EQ(m.head_dim, 4);
  const double xavier = std::sqrt(6.0 / (16 + 48)), linear = 1.0 / std::sqrt(16.0);
  double largest = 0;
  for (double v : testing::doubles(m.in_proj_weight)) largest = std::max(largest, std::abs(v));
  EXPECT_LE(largest, xavier);
  EXPECT_GT(largest, 0.8 * xavier);
  for (double v : testing::doubles(m.out_proj->weight)) EXPECT_LE(std::abs(v), linear);
  EXPECT_EQ(testing::doubles(m.in_proj_bias), std::vector<double>(48, 0.0));
  EXPECT_EQ(testing::doubles(m.out_proj->bias), std::vector<double>(16, 0.0));

  nn::MultiheadAttention separate(8, 2, {.kdim = 3});
  names.clear();
  for (const auto& [n, p] : separate.named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias",
                                             "out_proj.weight", "out_proj.bias"}));
  EXPECT_EQ(m.repr(), "MultiheadAttention(\n  (out_proj): Linear(in_features=16, out_features=16, bias=True)\n)");
}

TEST(MultiheadAttention, Float32SequentialAndViews) {
  const Tensor x = input_wave({4, 2, 8});
  // forward(x) is self-attention without weights, so the layer can sit in a Sequential.
  nn::Sequential seq;
  seq.push_back(std::make_shared<nn::MultiheadAttention>(8, 2));
  fill_parameters(seq);
  const Tensor y32 = seq(x.to(kFloat32));
  EXPECT_EQ(y32.dtype(), kFloat32);
  testing::expect_near(y32, ref("mha_self").values[0], 1e-5, 1e-5);
  // A batch-first layer given a transposed (non-contiguous) view equals the sequence-first result.
  nn::MultiheadAttention bf(8, 2, f64({.batch_first = true}));
  fill_parameters(bf);
  const Tensor out = bf.forward(x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1)).first;
  testing::expect_near(out.transpose(0, 1), ref("mha_self").values[0], testing::kNnTol, testing::kNnTol);
}

TEST(MultiheadAttention, DropoutTrainAndEval) {
  nn::MultiheadAttention m(8, 2, f64({.dropout = 0.5}));
  nn::MultiheadAttention plain(8, 2, f64());
  fill_parameters(m);
  fill_parameters(plain);
  Generator gen(3);
  m.generator = &gen;
  const Tensor x = input_wave({6, 3, 8});
  const std::vector<double> ref_w = testing::doubles(plain.forward(x, x, x, {}, true, {}, false).second);
  // Training: each per-head weight is 0 or doubled.
  const std::vector<double> w = testing::doubles(m.forward(x, x, x, {}, true, {}, false).second);
  int zeros_seen = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i] == 0.0) {
      ++zeros_seen;
    } else {
      EXPECT_NEAR(w[i], 2 * ref_w[i], 1e-13);
    }
  }
  EXPECT_NEAR(zeros_seen / double(w.size()), 0.5, 0.1);  // 216 draws
  // Eval: the identity.
  m.eval();
  const auto [out, weights] = m.forward(x, x, x);
  testing::expect_near(out, testing::doubles(plain.forward(x, x, x).first), 0, 0);
  testing::expect_near(weights, testing::doubles(plain.forward(x, x, x).second), 0, 0);
}

TEST(MultiheadAttention, Errors) {
  nn::MultiheadAttention m(16, 4);
  EXPECT_EQ(testing::error_of([&] {
              m.forward(zeros({5, 2, 8}), zeros({5, 2, 16}), zeros({5, 2, 16}));
            }),
            "MultiheadAttention(16, 4): expected query [L, N, 16], got [5, 2, 8]");
  EXPECT_THROW(m.forward(zeros({5, 2, 8}), zeros({5, 2, 16}), zeros({5, 2, 16})), ShapeError);
  const Tensor q = zeros({5, 2, 16});
  expect_error<ShapeError>(
      [&] {
        m.forward(q, zeros({7, 2, 12}), zeros({7, 2, 16}));
      },
      "MultiheadAttention(16, 4): expected key [S, N, 16], got [7, 2, 12]");
  expect_error<ShapeError>(
      [&] {
        m.forward(q, zeros({7, 2, 16}), zeros({7, 16}));
      },
      "MultiheadAttention(16, 4): expected value [S, N, 16], got [7, 16]");
  expect_error<ShapeError>(
      [&] {
        m.forward(q, zeros({7, 3, 16}), zeros({7, 3, 16}));
      },
      {"MultiheadAttention(16, 4)", "[5, 2, 16]", "[7, 3, 16]", "batch"});
  expect_error<ShapeError>(
      [&] {
        m.forward(q, zeros({7, 2, 16}), zeros({6, 2, 16}));
      },
      {"MultiheadAttention(16, 4)", "[6, 2, 16]"});
  expect_error<ShapeError>(
      [&] {
        m.forward(q, q, q, {}, true, zeros({5, 4}, kBool));
      },
      "MultiheadAttention(16, 4): expected attn_mask [5, 5] or [8, 5, 5], got [5, 4]");
  expect_error<ShapeError>(
      [&] {
        m.forward(q, q, q, zeros({5, 2}, kBool));
      },
      "MultiheadAttention(16, 4): expected key_padding_mask [2, 5], got [5, 2]");
  expect_error<DTypeError>([&] { m.forward(q, q, q, zeros({2, 5}, kInt64)); }, {"MultiheadAttention", "int64"});
  expect_error<DTypeError>([&] { m.forward(q, q, q, {}, true, zeros({5, 5}, kInt32)); }, "attn_mask");
  nn::MultiheadAttention bf(16, 4, {.batch_first = true, .kdim = 6});
  expect_error<ShapeError>(
      [&] {
        bf.forward(zeros({2, 5, 8}), zeros({2, 5, 6}), zeros({2, 5, 16}));
      },
      "MultiheadAttention(16, 4): expected query [N, L, 16], got [2, 5, 8]");
  expect_error<ShapeError>(
      [&] {
        bf.forward(zeros({2, 5, 16}), zeros({2, 5, 16}), zeros({2, 5, 16}));
      },
      "MultiheadAttention(16, 4): expected key [N, S, 6], got [2, 5, 16]");
  expect_error<ValueError>([] { nn::MultiheadAttention(16, 3); }, "embed_dim 16 must be divisible by num_heads 3");
  expect_error<ValueError>([] { nn::MultiheadAttention(16, 4, {.dropout = -0.1}); }, "MultiheadAttention");
}

}  // namespace
}  // namespace tessera
