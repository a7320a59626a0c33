// RNN, LSTM, GRU and their cells against PyTorch 1.13 (tests/nn/make_reference.py's rnn table): outputs, final
// states, input, state and parameter gradients for multi-layer, bidirectional, batch_first, batch-1, unbatched and
// variable-length cases; PyTorch's parameter names and initialization; dropout between layers; errors.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "reference_values.h"
#include "rnn_testing.h"
#include "sequence_testing.h"
#include "tessera/autograd/gradcheck.h"
#include "tessera/nn/container.h"
#include "tessera/nn/functional.h"
#include "tessera/ops/compare.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/random.h"
#include "tessera/ops/shape.h"

namespace tessera {
namespace {

using nn::RNNOptions;
using testing::expect_error;
using testing::layer_case;

const std::vector<testing::NnReference>& table() { return testing::nn_reference::rnn(); }

struct LayerCase {
  const char* name;
  std::function<std::shared_ptr<nn::RNNBase>()> make;
  Shape x;
  std::vector<Shape> states{};
  std::vector<int64_t> lengths{};
};

template <class M>
std::function<std::shared_ptr<nn::RNNBase>()> maker(RNNOptions o = {}) {
  o.dtype = kFloat64;
  return [o] { return std::make_shared<M>(4, 3, o); };
}

TEST(RNNLayers, MatchPyTorch) {
  const Shape x{5, 2, 4};
  const std::vector<LayerCase> cases{
      {"rnn_tanh", maker<nn::RNN>(), x},
      {"rnn_relu_2layer_bidir_h0",
       maker<nn::RNN>({.num_layers = 2, .nonlinearity = "relu", .bidirectional = true}),
       x,
       {{4, 2, 3}}},
      {"rnn_batch_first_no_bias", maker<nn::RNN>({.bias = false, .batch_first = true}), {2, 5, 4}},
      {"rnn_unbatched_h0", maker<nn::RNN>(), {5, 4}, {{1, 3}}},
      {"lstm", maker<nn::LSTM>(), x},
      {"lstm_2layer_bidir_h0c0", maker<nn::LSTM>({.num_layers = 2, .bidirectional = true}), x, {{4, 2, 3}, {4, 2, 3}}},
      {"lstm_2layer_batch_first", maker<nn::LSTM>({.num_layers = 2, .batch_first = true}), {2, 5, 4}},
      {"lstm_bidir_batch_first_h0c0",
       maker<nn::LSTM>({.batch_first = true, .bidirectional = true}),
       {3, 4, 4},
       {{2, 3, 3}, {2, 3, 3}}},
      {"lstm_2layer_batch1", maker<nn::LSTM>({.num_layers = 2}), {6, 1, 4}},
      {"lstm_unbatched_bidir_h0c0", maker<nn::LSTM>({.bidirectional = true}), {5, 4}, {{2, 3}, {2, 3}}},
      {"gru", maker<nn::GRU>(), x},
      {"gru_2layer_bidir_h0", maker<nn::GRU>({.num_layers = 2, .bidirectional = true}), x, {{4, 2, 3}}},
      {"gru_batch_first_no_bias", maker<nn::GRU>({.bias = false, .batch_first = true}), {2, 5, 4}},
      {"gru_unbatched_2layer", maker<nn::GRU>({.num_layers = 2}), {5, 4}},
  };
  for (const LayerCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto m = c.make();
    testing::expect_all(layer_case(*m, c.x, c.states), find_reference(table(), c.name));
  }
}

TEST(RNNLayers, VariableLengthsMatchPackedPyTorch) {
  const std::vector<LayerCase> cases{
      {"lstm_packed_2layer_bidir_h0c0",
       maker<nn::LSTM>({.num_layers = 2, .bidirectional = true}),
       {5, 3, 4},
       {{4, 3, 3}, {4, 3, 3}},
       {3, 5, 2}},
      {"gru_packed_batch_first_bidir",
       maker<nn::GRU>({.batch_first = true, .bidirectional = true}),
       {3, 5, 4},
       {},
       {2, 5, 4}},
      // The longest sequence (4) is shorter than L = 5.
      {"rnn_packed_relu_bidir_h0",
       maker<nn::RNN>({.nonlinearity = "relu", .bidirectional = true}),
       {5, 3, 4},
       {{2, 3, 3}},
       {4, 1, 2}},
  };
  for (const LayerCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto m = c.make();
    testing::expect_all(layer_case(*m, c.x, c.states, c.lengths), find_reference(table(), c.name));
  }
}

TEST(RNNCells, MatchPyTorch) {
  const nn::RNNCellOptions f64{.dtype = kFloat64};
  struct CellCase {
    const char* name;
    std::shared_ptr<nn::RNNCellBase> cell;
    Shape x;
    std::vector<Shape> states{};
  };
  const std::vector<CellCase> cases{
      {"rnn_cell_tanh_hx", std::make_shared<nn::RNNCell>(4, 3, f64), {2, 4}, {{2, 3}}},
      {"rnn_cell_relu",
       std::make_shared<nn::RNNCell>(4, 3, nn::RNNCellOptions{.nonlinearity = "relu", .dtype = kFloat64}),
       {3, 4}},
      {"lstm_cell_hx", std::make_shared<nn::LSTMCell>(4, 3, f64), {2, 4}, {{2, 3}, {2, 3}}},
      {"lstm_cell_unbatched", std::make_shared<nn::LSTMCell>(4, 3, f64), {4}},
      {"gru_cell_hx", std::make_shared<nn::GRUCell>(4, 3, f64), {2, 4}, {{2, 3}}},
      {"gru_cell_no_bias_unbatched_hx",
       std::make_shared<nn::GRUCell>(4, 3, nn::RNNCellOptions{.bias = false, .dtype = kFloat64}),
       {4},
       {{3}}},
  };
  for (const CellCase& c : cases) {
    SCOPED_TRACE(c.name);
    testing::expect_all(testing::cell_case(*c.cell, c.x, c.states), find_reference(table(), c.name));
  }
}

TEST(RNNLayers, ParameterNamesShapesAndInitAsPyTorch) {
  nn::LSTM m(10, 20, {.num_layers = 2, .bidirectional = true});
  std::vector<std::string> names;
  for (const auto& [name, p] : m.named_parameters()) names.push_back(name);
  const std::vector<std::string> want{
      "weight_ih_l0",         "weight_hh_l0",         "bias_ih_l0",         "bias_hh_l0",
      "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
      "weight_ih_l1",         "weight_hh_l1",         "bias_ih_l1",         "bias_hh_l1",
      "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"};
  EXPECT_EQ(names, want);
  EXPECT_EQ(m.weights(0, 1)[0].shape(), (Shape{80, 10}));
  EXPECT_EQ(m.weights(1, 0)[0].shape(), (Shape{80, 40}));  // layer 1 reads both directions
  EXPECT_EQ(m.weights(1, 1)[1].shape(), (Shape{80, 20}));
  EXPECT_EQ(m.num_parameters(), 2 * (80 * 10 + 80 * 20 + 160) + 2 * (80 * 40 + 80 * 20 + 160));
  const double bound = 1.0 / std::sqrt(20.0);
  for (const Tensor& p : m.parameters()) {
    EXPECT_LE(p.amax().item<double>(), bound);
    EXPECT_GE(p.amin().item<double>(), -bound);
    EXPECT_GT(p.amax().item<double>(), 0.8 * bound);  // spread over the whole range
  }
  EXPECT_EQ(m.repr(), "LSTM(10, 20, num_layers=2, bidirectional=True)");
  nn::GRU g(3, 4, {.bias = false, .batch_first = true, .dropout = 0.5});
  EXPECT_EQ(g.named_parameters().size(), 2u);
  EXPECT_EQ(g.weights(0, 0)[0].shape(), (Shape{12, 3}));
  EXPECT_FALSE(g.weights(0, 0)[2].defined());
  EXPECT_EQ(g.repr(), "GRU(3, 4, bias=False, batch_first=True, dropout=0.5)");
  EXPECT_EQ(nn::RNN(2, 3, {.nonlinearity = "relu"}).repr(), "RNN(2, 3, nonlinearity=relu)");
  nn::LSTMCell cell(5, 6);
  EXPECT_EQ(cell.weight_ih.shape(), (Shape{24, 5}));
  EXPECT_EQ(cell.weight_hh.shape(), (Shape{24, 6}));
  EXPECT_EQ(cell.repr(), "LSTMCell(5, 6)");
  EXPECT_EQ(nn::GRUCell(5, 6, {.bias = false}).repr(), "GRUCell(5, 6, bias=False)");
}

TEST(RNNLayers, SingleArgumentForwardSitsInSequentialAndRunsInFloat32) {
  auto lstm = nn::make<nn::LSTM>(4, 3, RNNOptions{.num_layers = 2, .batch_first = true});
  const Tensor x = testing::input_wave({2, 5, 4}).to(kFloat32);
  const Tensor full = lstm->forward(x, nn::LSTMState()).first;
  EXPECT_EQ(full.dtype(), kFloat32);
  EXPECT_TRUE(equal(lstm->forward(x), full));
  nn::Sequential seq({lstm});
  EXPECT_TRUE(equal(seq.forward(x), full));
  // float32 agrees with float64 to float32 rounding.
  nn::LSTM l64(4, 3, {.num_layers = 2, .batch_first = true, .dtype = kFloat64});
  l64.load_state_dict(lstm->state_dict(), true);
  l64.to(kFloat64);
  testing::expect_near(full, testing::doubles(l64.forward(x.to(kFloat64))), 1e-5, 1e-6);
}

TEST(RNNLayers, FullLengthsEqualUnpackedAndPaddingIsZero) {
  nn::GRU m(4, 3, {.num_layers = 2, .bidirectional = true, .dtype = kFloat64});
  const Tensor x = testing::input_wave({5, 3, 4});
  auto [out, h] = m.forward(x, Tensor());
  auto [packed, hp] = m.forward(nn::pack_padded_sequence(x, tensor<int64_t>({5, 5, 5})));
  testing::expect_near(packed.data, testing::doubles(out), 1e-14, 1e-14);
  testing::expect_near(hp, testing::doubles(h), 1e-14, 1e-14);
  // Lengths 2: steps 2.. of sequence 1 are zero; its forward h_n is the output at step 1 of running it alone.
  auto [p2, h2] = m.forward(nn::pack_padded_sequence(x, tensor<int64_t>({5, 2, 4}), false, false));
  EXPECT_EQ(p2.data.slice(0, 2).select(1, 1).abs().amax().item<double>(), 0.0);
  auto [alone, h_alone] = m.forward(x.narrow(0, 0, 2).narrow(1, 1, 1), Tensor());
  testing::expect_near(p2.data.narrow(0, 0, 2).narrow(1, 1, 1), testing::doubles(alone), 1e-14, 1e-14);
  testing::expect_near(h2.narrow(1, 1, 1), testing::doubles(h_alone), 1e-14, 1e-14);
}

TEST(PackedSequence, PadCutsToLongestOrTotalLengthWithPaddingValue) {
  const Tensor x = testing::input_wave({2, 4, 3});  // batch first
  const nn::PackedSequence p = nn::pack_padded_sequence(x, tensor<int64_t>({3, 1}), true);
  auto [cut, lengths] = nn::pad_packed_sequence(p, true, -1.0);
  EXPECT_EQ(cut.shape(), (Shape{2, 3, 3}));
  EXPECT_EQ(testing::ivalues(lengths), (std::vector<int64_t>{3, 1}));
  EXPECT_TRUE(equal(cut.select(0, 0), x.select(0, 0).narrow(0, 0, 3)));
  EXPECT_TRUE(equal(cut.select(0, 1).narrow(0, 1, 2), full({2, 3}, -1.0, kFloat64)));
  auto [longer, l2] = nn::pad_packed_sequence(p, false, 0.0, 6);  // time-major out
  EXPECT_EQ(longer.shape(), (Shape{6, 2, 3}));
  EXPECT_TRUE(equal(longer.narrow(0, 0, 3).select(1, 0), x.select(0, 0).narrow(0, 0, 3)));
  EXPECT_EQ(longer.narrow(0, 3, 3).abs().amax().item<double>(), 0.0);
  expect_error<ValueError>([&] { nn::pad_packed_sequence(p, true, 0.0, 2); },
                           "pad_packed_sequence: total_length 2 is less than the longest sequence (3)");
}

TEST(RNNLayers, DropoutBetweenLayersInTrainingOnly) {
  nn::LSTM m(4, 3, {.num_layers = 2, .dropout = 0.5, .dtype = kFloat64});
  const Tensor x = testing::input_wave({5, 2, 4});
  Generator gen(7);
  m.generator = &gen;
  // Training: layer 1 reads dropout(layer 0's output), drawn from the layer's generator.
  const Tensor trained = m.forward(x);
  nn::LSTM first(4, 3, {.dtype = kFloat64}), second(3, 3, {.dtype = kFloat64});
  for (int64_t i = 0; i < 4; ++i) {
    first.parameters()[i].detach().copy_(m.weights(0, 0)[i].detach());
    second.parameters()[i].detach().copy_(m.weights(1, 0)[i].detach());
  }
  Generator same(7);
  const Tensor dropped = nn::functional::dropout(first.forward(x), 0.5, true, &same);
  testing::expect_near(trained, testing::doubles(second.forward(dropped)), 1e-14, 1e-14);
  EXPECT_FALSE(equal(dropped, first.forward(x)));
  // Eval: the identity, so the output is the dropout-free stack's.
  m.eval();
  testing::expect_near(m.forward(x), testing::doubles(second.forward(first.forward(x))), 1e-14, 1e-14);
  // p = 1 zeroes layer 1's input.
  nn::LSTM all(4, 3, {.num_layers = 2, .dropout = 1.0, .dtype = kFloat64});
  all.load_state_dict(m.state_dict());
  testing::expect_near(all.forward(x), testing::doubles(second.forward(zeros({5, 2, 3}, kFloat64))), 1e-14, 1e-14);
}

TEST(RNNLayers, CellStepEqualsOneStepLayer) {
  nn::GRUCell cell(4, 3, {.dtype = kFloat64});
  nn::GRU layer(4, 3, {.dtype = kFloat64});
  testing::fill_parameters(cell);
  testing::fill_parameters(layer);
  const Tensor x = testing::input_wave({1, 2, 4}), h = testing::initial_state({2, 3}, 0);
  testing::expect_near(layer.forward(x, h.unsqueeze(0)).second.squeeze(0),
                       testing::doubles(cell.forward(x.squeeze(0), h)), 1e-14, 1e-14);
}

TEST(RNNLayers, GradcheckAndSecondOrderThroughTimeWithLengths) {
  // Finite differences through a bidirectional GRU with variable lengths and an LSTM cell, to second order (the
  // layers are plain ops, so their gradients are differentiable too).
  nn::GRU gru(2, 2, {.bidirectional = true, .dtype = kFloat64});
  testing::fill_parameters(gru);
  const Tensor lengths = tensor<int64_t>({3, 1});
  auto f = [&](const std::vector<Tensor>& in) {
    auto [packed, h] = gru.forward(nn::pack_padded_sequence(in[0], lengths), in[1]);
    return std::vector<Tensor>{packed.data, h};
  };
  const std::vector<Tensor> in{testing::input_wave({3, 2, 2}).requires_grad_(),
                               testing::initial_state({2, 2, 2}, 0).requires_grad_()};
  EXPECT_TRUE(gradcheck(f, in));
  EXPECT_TRUE(gradgradcheck(f, in));
  nn::LSTMCell cell(2, 3, {.dtype = kFloat64});
  auto g = [&](const std::vector<Tensor>& x) {
    auto [h, c] = cell.forward(x[0], {x[1], x[2]});
    return std::vector<Tensor>{h, c};
  };
  const std::vector<Tensor> cell_in{testing::input_wave({2, 2}).requires_grad_(),
                                    testing::initial_state({2, 3}, 0).requires_grad_(),
                                    testing::initial_state({2, 3}, 1).requires_grad_()};
  EXPECT_TRUE(gradgradcheck(g, cell_in));
}

TEST(RNNLayers, FusedLSTMEqualsTheStepByStepScan) {
  // Without lengths an LSTM layer runs as one lstm_sequence op (Note [The fused LSTM]); with full lengths it runs
  // the masked cell step by step through scan. Outputs, final states and every gradient agree.
  nn::LSTM m(3, 4, {.num_layers = 2, .bidirectional = true, .dtype = kFloat64});
  testing::fill_parameters(m);
  const Tensor x = testing::input_wave({5, 2, 3}).requires_grad_();
  const Tensor h0 = testing::initial_state({4, 2, 4}, 0), c0 = testing::initial_state({4, 2, 4}, 1);
  auto run = [&](bool fused) {
    m.zero_grad();
    x.set_grad({});
    auto [out, hc] = fused ? m.forward(x, {h0, c0}) : [&] {
      auto [p, s] = m.forward(nn::pack_padded_sequence(x, tensor<int64_t>({5, 5})), {h0, c0});
      return std::pair{p.data, s};
    }();
    ((out * out).sum() + hc.first.sum() + (hc.second * 0.5).sum()).backward();
    std::vector<Tensor> r{out.detach(), hc.first.detach(), hc.second.detach(), x.grad()};
    for (const Tensor& p : m.parameters()) r.push_back(p.grad());
    return r;
  };
  const std::vector<Tensor> fused = run(true), scanned = run(false);
  ASSERT_EQ(fused.size(), scanned.size());
  for (size_t i = 0; i < fused.size(); ++i) {
    SCOPED_TRACE(i);
    testing::expect_near(fused[i], testing::doubles(scanned[i]), 1e-12, 1e-12);
  }
  // Finite differences through the fused layer, to second order (the rule switches to tensor ops then).
  nn::LSTM small(2, 2, {.bidirectional = true, .dtype = kFloat64});
  testing::fill_parameters(small);
  auto f = [&](const std::vector<Tensor>& in) {
    auto [out, hc] = small.forward(in[0], {in[1], in[2]});
    return std::vector<Tensor>{out, hc.first, hc.second};
  };
  const std::vector<Tensor> in{testing::input_wave({3, 2, 2}).requires_grad_(),
                               testing::initial_state({2, 2, 2}, 0).requires_grad_(),
                               testing::initial_state({2, 2, 2}, 1).requires_grad_()};
  EXPECT_TRUE(gradcheck(f, in));
  EXPECT_TRUE(gradgradcheck(f, in));
}

TEST(RNNLayers, Errors) {
  nn::LSTM lstm(10, 20, {.num_layers = 2});
  expect_error<ShapeError>(
      [&] {
        lstm.forward(zeros({5, 3, 8}));
      },
      "LSTM(10, 20): expected input [L, N, 10], got [5, 3, 8]");
  expect_error<ShapeError>([&] { lstm.forward(zeros({5, 8})); }, "LSTM(10, 20): expected input [L, 10], got [5, 8]");
  expect_error<ShapeError>([&] { lstm.forward(zeros({1, 5, 3, 10})); }, "got [1, 5, 3, 10]");
  expect_error<ShapeError>(
      [&] {
        lstm.forward(zeros({5, 3, 10}), {zeros({1, 3, 20}), zeros({2, 3, 20})});
      },
      "LSTM(10, 20): expected h0 [2, 3, 20], got [1, 3, 20]");
  expect_error<ShapeError>(
      [&] {
        lstm.forward(zeros({5, 3, 10}), {zeros({2, 3, 20}), zeros({2, 20})});
      },
      "LSTM(10, 20): expected c0 [2, 3, 20], got [2, 20]");
  expect_error<ShapeError>(
      [&] {
        lstm.forward(zeros({5, 10}), {zeros({2, 1, 20}), zeros({2, 1, 20})});
      },
      "expected h0 [2, 20], got [2, 1, 20]");
  expect_error<ValueError>(
      [&] {
        lstm.forward(zeros({5, 3, 10}), {zeros({2, 3, 20}), Tensor()});
      },
      "LSTM(10, 20): expected both h0 and c0 or neither, got only h0");
  expect_error<DTypeError>(
      [&] {
        lstm.forward(zeros({5, 3, 10}, kFloat64));
      },
      "LSTM(10, 20): expected input of dtype float32");
  expect_error<ValueError>([&] { lstm.forward(zeros({0, 3, 10})); }, "at least one step");
  nn::GRU bf(10, 20, {.batch_first = true});
  expect_error<ShapeError>(
      [&] {
        bf.forward(zeros({3, 5, 8}));
      },
      "GRU(10, 20): expected input [N, L, 10], got [3, 5, 8]");
  expect_error<ShapeError>(
      [&] {
        bf.forward(zeros({3, 5, 10}), zeros({1, 5, 20}));
      },
      "GRU(10, 20): expected h0 [1, 3, 20], got [1, 5, 20]");
  // Lengths: range, shape and dtype, checked by pack_padded_sequence and again by the layer.
  const Tensor x = zeros({5, 3, 10});
  expect_error<ValueError>(
      [&] {
        nn::pack_padded_sequence(x, tensor<int64_t>({5, 6, 1}), false, false);
      },
      "pack_padded_sequence: lengths[1] = 6 is out of range [1, 5]");
  expect_error<ValueError>(
      [&] {
        nn::pack_padded_sequence(x, tensor<int64_t>({5, 0, 1}), false, false);
      },
      "lengths[1] = 0 is out of range [1, 5]");
  expect_error<ValueError>(
      [&] {
        nn::pack_padded_sequence(x, tensor<int64_t>({2, 5, 1}));
      },
      "sorted in decreasing order");
  expect_error<ShapeError>(
      [&] {
        nn::pack_padded_sequence(x, tensor<int64_t>({2, 5}));
      },
      "pack_padded_sequence: expected lengths [3], got [2]");
  expect_error<DTypeError>([&] { nn::pack_padded_sequence(x, tensor<double>({2, 5, 1})); }, "int64 or int32 lengths");
  expect_error<ValueError>(
      [&] {
        bf.forward(nn::PackedSequence{zeros({3, 5, 10}), tensor<int64_t>({5, 9, 1}), true});
      },
      "GRU(10, 20): lengths[1] = 9 is out of range [1, 5]");
  expect_error<ShapeError>(
      [&] {
        bf.forward(nn::PackedSequence{zeros({5, 10}), tensor<int64_t>({5}), true});
      },
      "GRU(10, 20): expected packed input [N, L, 10], got [5, 10]");
  // Options.
  expect_error<ValueError>([] { nn::RNN(3, 4, {.nonlinearity = "gelu"}); }, "RNN: unknown nonlinearity 'gelu'");
  expect_error<ValueError>([] { nn::LSTM(3, 4, {.nonlinearity = "relu"}); }, "nonlinearity applies to RNN only");
  expect_error<ValueError>([] { nn::GRU(3, 4, {.num_layers = 0}); }, "GRU(3, 4): num_layers must be >= 1");
  expect_error<ValueError>([] { nn::GRU(3, 4, {.dropout = 1.5}); }, "dropout must be a probability");
  expect_error<ValueError>([] { nn::LSTM(3, 0); }, "hidden_size > 0");
  expect_error<IndexError>([&] { lstm.weights(2, 0); }, "LSTM(10, 20): no layer 2 direction 0");
}

TEST(RNNCells, Errors) {
  nn::RNNCell rnn(4, 3);
  expect_error<ShapeError>(
      [&] {
        rnn.forward(zeros({2, 5}));
      },
      "RNNCell(4, 3): expected input [N, 4] or [4], got [2, 5]");
  expect_error<ShapeError>(
      [&] {
        rnn.forward(zeros({2, 4}), zeros({3, 3}));
      },
      "RNNCell(4, 3): expected hx [2, 3], got [3, 3]");
  expect_error<ShapeError>([&] { rnn.forward(zeros({4}), zeros({1, 3})); }, "expected hx [3], got [1, 3]");
  expect_error<DTypeError>([&] { rnn.forward(zeros({2, 4}, kFloat64)); }, "expected input of dtype float32");
  nn::LSTMCell lstm(4, 3);
  expect_error<ShapeError>(
      [&] {
        lstm.forward(zeros({2, 4}), {zeros({2, 3}), zeros({2, 4})});
      },
      "LSTMCell(4, 3): expected cx [2, 3], got [2, 4]");
  expect_error<ValueError>([&] { lstm.forward(zeros({2, 4}), {Tensor(), zeros({2, 3})}); }, "got only cx");
  expect_error<ValueError>([] { nn::RNNCell(4, 3, {.nonlinearity = "sigmoid"}); }, "RNNCell: unknown nonlinearity");
  expect_error<ValueError>([] { nn::GRUCell(4, 3, {.nonlinearity = "relu"}); },
                           "GRUCell: nonlinearity applies to RNNCell only");
  // The unbatched cell equals the batched one on a batch of one.
  const Tensor x = testing::input_wave({4}).to(kFloat32);
  auto [h, c] = lstm.forward(x, {});
  EXPECT_EQ(h.shape(), (Shape{3}));
  EXPECT_TRUE(equal(h, lstm.forward(x.unsqueeze(0), {}).first.squeeze(0)));
}

}  // namespace
}  // namespace tessera
