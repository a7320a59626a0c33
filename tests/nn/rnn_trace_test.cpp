// The recurrent layers inside a traced graph (graph::trace / nn::trace): outputs and final states equal the eager
// ones (with a dynamic batch and a fixed sequence length), variable lengths as a graph input, and the graph's
// symbolic gradients equal PyTorch's reference gradients.
#include <gtest/gtest.h>

#include <vector>

#include "reference_values.h"
#include "rnn_testing.h"
#include "sequence_testing.h"
#include "tessera/graph/gradients.h"
#include "tessera/graph/trace.h"
#include "tessera/nn/trace.h"

namespace tessera {
namespace {

using graph::Dim;
using testing::input_wave;

void expect_same(const Tensor& traced, const Tensor& eager) {
  ASSERT_EQ(traced.shape(), eager.shape());
  testing::expect_near(traced, testing::doubles(eager), 1e-12, 1e-12);
}

TEST(RNNTrace, LSTMWithStatesAndDynamicBatch) {
  nn::LSTM m(4, 3, {.num_layers = 2, .bidirectional = true, .dtype = kFloat64});
  testing::fill_parameters(m);
  auto f = [&](const std::vector<Tensor>& in) {
    auto [out, hc] = m.forward(in[0], {in[1], in[2]});
    return std::vector<Tensor>{out, hc.first, hc.second};
  };
  graph::Function fn = graph::trace(
      f, {{"x", {5, Dim("N"), 4}, kFloat64}, {"h0", {4, Dim("N"), 3}, kFloat64}, {"c0", {4, Dim("N"), 3}, kFloat64}});
  for (int64_t n : {1, 3}) {
    const std::vector<Tensor> in{input_wave({5, n, 4}), testing::initial_state({4, n, 3}, 0),
                                 testing::initial_state({4, n, 3}, 1)};
    const std::vector<Tensor> got = fn(in), want = f(in);
    for (size_t i = 0; i < 3; ++i) expect_same(got[i], want[i]);
  }
}

TEST(RNNTrace, ModuleTraceOfBatchFirstGRUAndRNN) {
  nn::GRU gru(4, 3, {.num_layers = 2, .batch_first = true, .dtype = kFloat64});
  nn::RNN rnn(4, 3, {.nonlinearity = "relu", .batch_first = true, .bidirectional = true, .dtype = kFloat64});
  for (nn::RNNBase* m : std::vector<nn::RNNBase*>{&gru, &rnn}) {
    testing::fill_parameters(*m);
    graph::Function fn = nn::trace(*m, {"x", {Dim("N"), 6, 4}, kFloat64});
    for (int64_t n : {1, 2}) {
      const Tensor x = input_wave({n, 6, 4});
      expect_same(fn({x})[0], m->forward(x));
    }
  }
}

TEST(RNNTrace, VariableLengthsAsAGraphInput) {
  nn::GRU m(4, 3, {.bidirectional = true, .dtype = kFloat64});
  testing::fill_parameters(m);
  auto f = [&](const std::vector<Tensor>& in) {
    auto [packed, h] = m.forward(nn::pack_padded_sequence(in[0], in[1], false, false));
    return std::vector<Tensor>{packed.data, h};
  };
  graph::Function fn = graph::trace(f, {{"x", {5, Dim("N"), 4}, kFloat64}, {"lengths", {Dim("N")}, kInt64}});
  for (const std::vector<int64_t>& lengths : {std::vector<int64_t>{3}, std::vector<int64_t>{2, 5, 4}}) {
    const auto n = static_cast<int64_t>(lengths.size());
    const std::vector<Tensor> in{input_wave({5, n, 4}), from_vector(lengths)};
    const std::vector<Tensor> got = fn(in), want = f(in);
    expect_same(got[0], want[0]);
    expect_same(got[1], want[1]);
  }
}

TEST(RNNTrace, SymbolicGradientsMatchPyTorch) {
  nn::LSTM m(4, 3, {.num_layers = 2, .bidirectional = true, .dtype = kFloat64});
  testing::fill_parameters(m);
  const std::vector<Tensor> params = m.parameters();
  auto f = [&](const std::vector<Tensor>& in) {
    auto [out, hc] = m.forward(in[0], {in[1], in[2]});
    std::vector<Tensor> outs{out, hc.first, hc.second};
    Tensor total;
    for (const Tensor& t : outs) {
      const Tensor s = (t * testing::grad_wave(t.shape())).sum();
      total = total.defined() ? total + s : s;
    }
    std::vector<Tensor> wrt{in[0], in[1], in[2]};
    wrt.insert(wrt.end(), params.begin(), params.end());
    const std::vector<Tensor> grads = graph::grad(total, wrt);
    outs.insert(outs.end(), grads.begin(), grads.end());
    return outs;
  };
  graph::Function fn =
      graph::trace(f, {{"x", {5, 2, 4}, kFloat64}, {"h0", {4, 2, 3}, kFloat64}, {"c0", {4, 2, 3}, kFloat64}});
  const std::vector<Tensor> got =
      fn({input_wave({5, 2, 4}), testing::initial_state({4, 2, 3}, 0), testing::initial_state({4, 2, 3}, 1)});
  testing::expect_all(got, find_reference(testing::nn_reference::rnn(), "lstm_2layer_bidir_h0c0"));
}

}  // namespace
}  // namespace tessera
