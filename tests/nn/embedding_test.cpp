// Embedding and Bilinear vs PyTorch 1.13: output and weight gradient (plus the renormalized table for max_norm;
// input and parameter gradients for Bilinear) for the same float64 weights (reference_values.h, written by
// tests/nn/make_reference.py), default initialization, from_pretrained, and the error messages.
#include "tessera/nn/embedding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "nn_testing.h"
#include "reference_values.h"
#include "sequence_testing.h"
#include "tessera/nn/bilinear.h"

namespace tessera {
namespace {

using testing::expect_all;
using testing::expect_error;
using testing::fill_parameters;
using testing::grad_wave;
using testing::input_wave;
using testing::NnReference;

const NnReference& ref(const std::string& name) {
  return testing::find_reference(testing::nn_reference::embedding(), name);
}

// make_reference.py's IDX.
Tensor indices() { return testing::make<int64_t>({1, 4, 4, 7, 9, 0, 2, 4}, {2, 4}); }

// [y, dweight (, weight afterwards)] of sum(m(idx) * g) with the parameters filled as make_reference.py.
std::vector<Tensor> embedding_step(nn::Embedding& m, const Tensor& idx, bool record_weight = false) {
  fill_parameters(m);
  const Tensor y = m(idx);
  y.backward(grad_wave(y.shape()));
  std::vector<Tensor> out{y.detach(), m.weight.grad()};
  if (record_weight) out.push_back(m.weight.detach().clone());
  m.zero_grad();
  return out;
}

nn::EmbeddingOptions f64(nn::EmbeddingOptions o = {}) {
  o.dtype = kFloat64;
  return o;
}

TEST(Embedding, MatchesPyTorch) {
  nn::Embedding plain(10, 3, f64());
  expect_all(embedding_step(plain, indices()), ref("embedding"));
  expect_all(embedding_step(plain, testing::make<int64_t>({3, 3, 8, 0, 5}, {5})), ref("embedding_1d"));
  // int32 indices and a non-contiguous (transposed) index view give the same lookup.
  const std::vector<Tensor> t = embedding_step(plain, testing::transposed(indices().to(kInt32).t().contiguous()));
  expect_all(t, ref("embedding"));
}

TEST(Embedding, PaddingIdx) {
  nn::Embedding m(10, 3, f64({.padding_idx = 4}));
  const std::vector<Tensor> got = embedding_step(m, indices());
  expect_all(got, ref("embedding_padding"));
  // The padding row is read (its filled value) but gets exactly no gradient.
  EXPECT_EQ(testing::doubles(got[1].select(0, 4)), std::vector<double>(3, 0.0));

  nn::Embedding last(10, 3, f64({.padding_idx = -1}));
  EXPECT_EQ(*last.options.padding_idx, 9);
  expect_all(embedding_step(last, indices()), ref("embedding_padding_negative"));
}

TEST(Embedding, MaxNorm) {
  nn::Embedding l2(10, 3, f64({.max_norm = 0.6}));
  expect_all(embedding_step(l2, indices(), true), ref("embedding_max_norm"));
  nn::Embedding l1(10, 3, f64({.max_norm = 0.8, .norm_type = 1.0}));
  expect_all(embedding_step(l1, indices(), true), ref("embedding_max_norm_l1"));
  // Rows 5 and 8 exceed max_norm but are not looked up: untouched.
  const Tensor w = testing::param_wave({10, 3}, 0);
  testing::expect_near(l2.weight.select(0, 5), testing::doubles(w.select(0, 5)), 0, 0);
  testing::expect_near(l2.weight.select(0, 8), testing::doubles(w.select(0, 8)), 0, 0);
}

TEST(Embedding, ScaleGradByFreq) {
  nn::Embedding m(10, 3, f64({.scale_grad_by_freq = true}));
  expect_all(embedding_step(m, indices()), ref("embedding_scale_grad"));
  nn::Embedding padded(10, 3, f64({.padding_idx = 7, .scale_grad_by_freq = true}));
  expect_all(embedding_step(padded, indices()), ref("embedding_scale_grad_padding"));
}

TEST(Embedding, Functional) {
  nn::Embedding m(10, 3, f64({.padding_idx = 4}));
  fill_parameters(m);
  const Tensor w = m.weight.detach().clone().requires_grad_();
  const Tensor y = nn::functional::embedding(indices(), w, 4);
  y.backward(grad_wave(y.shape()));
  expect_all({y.detach(), w.grad()}, ref("embedding_padding"));
  const Tensor renormed = testing::param_wave({10, 3}, 0);
  nn::functional::embedding(indices(), renormed, {}, 0.6);
  testing::expect_near(renormed, ref("embedding_max_norm").values[2], testing::kNnTol, testing::kNnTol);
}

TEST(Embedding, ShapesAndDtypes) {
  nn::Embedding m(6, 4);
  EXPECT_EQ(m.weight.dtype(), kFloat32);
  EXPECT_EQ(m(zeros({0}, kInt64)).shape(), (Shape{0, 4}));
  EXPECT_EQ(m(zeros({2, 0, 3}, kInt64)).shape(), (Shape{2, 0, 3, 4}));
  const Tensor scalar_index = m(testing::make<int64_t>({5}, {}));
  EXPECT_EQ(scalar_index.shape(), (Shape{4}));
  testing::expect_near(scalar_index, testing::doubles(m.weight.select(0, 5)), 0, 0);
  const auto named = m.named_parameters();
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].first, "weight");
}

TEST(Embedding, DefaultInitialization) {
  nn::Embedding m(2000, 8, {.padding_idx = 3});
  const std::vector<double> v = testing::doubles(m.weight);
  double sum = 0, sq = 0;
  for (double x : v) sum += x, sq += x * x;
  const double mean = sum / v.size(), var = sq / v.size() - mean * mean;
  EXPECT_NEAR(mean, 0.0, 0.03);  // N(0, 1): 16000 draws
  EXPECT_NEAR(var, 1.0, 0.05);
  EXPECT_EQ(testing::doubles(m.weight.select(0, 3)), std::vector<double>(8, 0.0));
  EXPECT_EQ(m.repr(), "Embedding(2000, 8, padding_idx=3)");
  nn::Embedding full(5, 2, {.max_norm = 1.5, .norm_type = 1.0, .scale_grad_by_freq = true});
  EXPECT_EQ(full.repr(), "Embedding(5, 2, max_norm=1.5, norm_type=1, scale_grad_by_freq=True)");
}

TEST(Embedding, FromPretrained) {
  const Tensor table = testing::param_wave({4, 3}, 0);
  auto frozen = nn::Embedding::from_pretrained(table, true, {.padding_idx = 1});
  EXPECT_EQ(frozen->num_embeddings, 4);
  EXPECT_EQ(frozen->embedding_dim, 3);
  EXPECT_FALSE(frozen->weight.requires_grad());
  EXPECT_EQ(frozen->weight.dtype(), kFloat64);
  // The padding row is not zeroed, and the table's storage is shared.
  testing::expect_near(frozen->weight, testing::doubles(table), 0, 0);
  table.detach().select(0, 2).fill_(7.0);
  EXPECT_EQ(testing::doubles((*frozen)(testing::make<int64_t>({2}, {1}))), std::vector<double>(3, 7.0));

  auto trainable = nn::Embedding::from_pretrained(testing::param_wave({4, 3}, 0), false);
  EXPECT_TRUE(trainable->weight.requires_grad());
  const Tensor y = (*trainable)(testing::make<int64_t>({0, 0, 3}, {3}));
  y.sum().backward();
  EXPECT_EQ(testing::doubles(trainable->weight.grad()), (std::vector<double>{2, 2, 2, 0, 0, 0, 0, 0, 0, 1, 1, 1}));
}

TEST(Embedding, Errors) {
  nn::Embedding m(10, 3);
  EXPECT_EQ(testing::error_of([&] {
              m(testing::make<int64_t>({1, 12}, {2}));
            }),
            "Embedding(10, 3): index 12 is out of range for 10 embeddings");
  EXPECT_THROW(m(testing::make<int64_t>({1, 12}, {2})), IndexError);
  expect_error<IndexError>([&] { m(testing::make<int64_t>({-1}, {1})); }, "Embedding(10, 3): index -1");
  expect_error<DTypeError>([&] { m(zeros({2}, kFloat32)); }, {"Embedding(10, 3)", "int64", "float32"});
  expect_error<ValueError>([] { nn::Embedding(10, 3, {.padding_idx = 10}); }, {"Embedding", "padding_idx 10"});
  expect_error<ValueError>([] { nn::Embedding(10, 3, {.padding_idx = -11}); }, "padding_idx -11");
  expect_error<ValueError>([] { nn::Embedding(-1, 3); }, "Embedding");
  expect_error<ShapeError>([] { nn::Embedding::from_pretrained(zeros({4})); }, {"from_pretrained", "[4]"});
  expect_error<IndexError>(
      [] {
        nn::functional::embedding(testing::make<int64_t>({5}, {1}), zeros({4, 2}));
      },
      "embedding: index 5 is out of range for 4 embeddings");
  expect_error<ShapeError>([] { nn::functional::embedding(zeros({1}, kInt64), zeros({4})); }, {"embedding", "[4]"});
}

// ---- Bilinear -----------------------------------------------------------------------------------------------

// [y, dx1, dx2, dweight, dbias] of sum(m(x1, x2) * g).
std::vector<Tensor> bilinear_step(nn::Bilinear& m, const Tensor& x1_value, const Tensor& x2_value) {
  fill_parameters(m);
  const Tensor x1 = x1_value.detach().clone().requires_grad_(), x2 = x2_value.detach().clone().requires_grad_();
  const Tensor y = m.forward(x1, x2);
  y.backward(grad_wave(y.shape()));
  std::vector<Tensor> out{y.detach(), x1.grad(), x2.grad()};
  for (const Tensor& p : m.parameters()) out.push_back(p.grad());
  m.zero_grad();
  return out;
}

TEST(Bilinear, MatchesPyTorch) {
  nn::Bilinear m(3, 4, 2, true, kFloat64);
  expect_all(bilinear_step(m, input_wave({5, 3}), input_wave({5, 4}, 1.0, 1.0)), ref("bilinear"));
  nn::Bilinear no_bias(2, 3, 4, false, kFloat64);
  EXPECT_EQ(no_bias.parameters().size(), 1u);
  expect_all(bilinear_step(no_bias, input_wave({2, 3, 2}), input_wave({2, 3, 3}, 1.0, 1.0)),
             ref("bilinear_3d_no_bias"));
  nn::Bilinear batch1(4, 2, 3, true, kFloat64);
  expect_all(bilinear_step(batch1, input_wave({1, 4}), input_wave({1, 2}, 1.0, 1.0)), ref("bilinear_batch1"));
}

TEST(Bilinear, FunctionalAndInit) {
  nn::Bilinear m(3, 4, 2);
  EXPECT_EQ(m.weight.shape(), (Shape{2, 3, 4}));
  const double bound = 1.0 / std::sqrt(3.0);
  for (const Tensor& p : {m.weight, m.bias}) {
    for (double v : testing::doubles(p)) EXPECT_LE(std::abs(v), bound);
  }
  EXPECT_EQ(m.repr(), "Bilinear(in1_features=3, in2_features=4, out_features=2, bias=True)");
  // Unbatched [in1], [in2] -> [out], equal to the batched row.
  nn::Bilinear d(3, 4, 2, true, kFloat64);
  fill_parameters(d);
  const Tensor y = nn::functional::bilinear(input_wave({5, 3})[0], input_wave({5, 4}, 1.0, 1.0)[0], d.weight, d.bias);
  EXPECT_EQ(y.shape(), (Shape{2}));
  const std::vector<double>& full = ref("bilinear").values[0];
  testing::expect_near(y, {full[0], full[1]}, testing::kNnTol, testing::kNnTol);
}

TEST(Bilinear, Errors) {
  nn::Bilinear m(3, 4, 2);
  expect_error<ShapeError>(
      [&] {
        m.forward(zeros({5, 4}), zeros({5, 4}));
      },
      "Bilinear(3, 4, 2): expected input1 [*, 3], got [5, 4]");
  expect_error<ShapeError>(
      [&] {
        m.forward(zeros({5, 3}), zeros({5, 3}));
      },
      "Bilinear(3, 4, 2): expected input2 [*, 4], got [5, 3]");
  expect_error<ShapeError>([&] { m.forward(zeros({5, 3}), zeros({6, 4})); }, {"bilinear", "[5, 3]", "[6, 4]"});
  expect_error<NotImplementedError>([&] { m(zeros({5, 3})); }, "Bilinear");
  expect_error<ShapeError>(
      [] {
        nn::functional::bilinear(zeros({2, 3}), zeros({2, 4}), zeros({2, 3}));
      },
      {"bilinear", "[2, 3]"});
  expect_error<ShapeError>(
      [] {
        nn::functional::bilinear(zeros({2, 3}), zeros({2, 4}), zeros({2, 3, 4}), zeros({3}));
      },
      {"bilinear", "bias"});
}

}  // namespace
}  // namespace tessera
