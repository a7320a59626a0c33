// Convolution fusion (graph/passes/fuse_conv.cpp) and the fused_conv2d op: which chains fuse, and the fused
// graph's values against the unfused graph's (conv2d's own values are checked against PyTorch in
// tests/ops/conv_*_test.cpp) on odd shapes, in float64 (our kernels) and float32 (each oneDNN path).
#include <cmath>
#include <limits>
#include <tuple>

#include "graph/graph_testing.h"
#include "tessera/backend/cpu/conv_algorithm.h"
#include "tessera/ops/fused_conv.h"

namespace tessera::testing {
namespace {

using cpu::ConvAlgorithm;

struct Case {
  const char* label;
  Shape x, w;
  std::array<int64_t, 2> stride, padding, dilation;
  int64_t groups;
};

const Case kCases[] = {
    {"stride 2, padding 1, 5 channels", {2, 5, 9, 7}, {6, 5, 3, 3}, {2, 2}, {1, 1}, {1, 1}, 1},
    {"dilation 2, non-square kernel", {1, 3, 10, 9}, {4, 3, 2, 3}, {1, 1}, {2, 0}, {2, 2}, 1},
    {"groups 3", {2, 6, 8, 8}, {9, 2, 3, 3}, {1, 2}, {1, 1}, {1, 1}, 3},
    {"depthwise", {2, 4, 7, 7}, {4, 1, 3, 3}, {1, 1}, {1, 1}, {1, 1}, 4},
    {"1x1", {3, 16, 5, 5}, {8, 16, 1, 1}, {1, 1}, {0, 0}, {1, 1}, 1},
    {"64 input channels", {2, 64, 6, 6}, {17, 64, 3, 3}, {1, 1}, {1, 1}, {1, 1}, 1},
};

// relu(conv2d(x, w, b)): with the bias as conv2d's operand (as nn::Conv2d + nn::ReLU trace it), or added to the
// output as a [1, C_out, 1, 1] view (explicit_add).
Function conv_bias_relu(const Case& c, DType dt, bool bias, bool relu, bool explicit_add = false) {
  auto f = [&](const std::vector<Tensor>& in) {
    Tensor y =
        conv2d(in[0], in[1], bias && !explicit_add ? in[2] : Tensor(), c.stride, c.padding, c.dilation, c.groups);
    if (bias && explicit_add) y = y + in[2].view({1, -1, 1, 1});
    return std::vector<Tensor>{relu ? tessera::relu(y) : y};
  };
  std::vector<graph::InputSpec> specs{{"x", {c.x.begin(), c.x.end()}, dt}, {"w", {c.w.begin(), c.w.end()}, dt}};
  if (bias) specs.push_back({"b", {c.w[0]}, dt});
  return graph::trace(f, specs);
}

void expect_fused_equals_unfused(const Case& c, DType dt, bool bias, bool relu, bool explicit_add, double tol) {
  SCOPED_TRACE(
      cat(c.label, ", ", dt, bias ? ", bias" : "", relu ? ", relu" : "", explicit_add ? ", explicit add" : ""));
  Function fn = conv_bias_relu(c, dt, bias, relu, explicit_add);
  Function fused(graph::fuse_conv2d(fn.graph()));
  EXPECT_EQ(ops_of(fused.graph()), std::vector<std::string>{"fused_conv2d"}) << graph::to_text(fused.graph());
  std::vector<Tensor> in{wave(c.x, 0.3, 1.0, dt), wave(c.w, 0.7, 0.5, dt)};
  if (bias) in.push_back(wave({c.w[0]}, 0.2, 0.3, dt));
  expect_same_to_scale(fused(in)[0], fn(in)[0], tol);
}

TEST(FuseConv, ConvBiasReluBecomesOneNodeWithTheSameValues) {
  for (const Case& c : kCases) {
    // Every chain with something to fuse: a bias operand alone is already one conv2d node.
    for (auto [bias, relu, explicit_add] : {std::tuple{true, true, false}, std::tuple{true, true, true},
                                            std::tuple{true, false, true}, std::tuple{false, true, false}}) {
      expect_fused_equals_unfused(c, kFloat64, bias, relu, explicit_add, 1e-13);
      for (ConvAlgorithm a :
           {ConvAlgorithm::kAuto, ConvAlgorithm::kIm2col, ConvAlgorithm::kDnnlPlain, ConvAlgorithm::kDnnlBlocked}) {
        cpu::ConvAlgorithmScope scope(a);
        expect_fused_equals_unfused(c, kFloat32, bias, relu, explicit_add, 1e-5);
      }
    }
  }
}

// Hand-computed: x = 1..9 as [1, 1, 3, 3]; channel 0 takes x[i][j] - x[i+1][j+1] = -4, channel 1
// x[i][j+1] + x[i+1][j] = 6, 8, 12, 14; biases 5 and -10; ReLU.
TEST(FuseConv, HandComputedValues) {
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor x = make({1, 2, 3, 4, 5, 6, 7, 8, 9}, dt, {1, 1, 3, 3});
    Tensor w = make({1, 0, 0, -1, 0, 1, 1, 0}, dt, {2, 1, 2, 2});
    Tensor b = make({5, -10}, dt, {2});
    FusedConv2dAttrs a;
    a.relu = true;
    expect_same(fused_conv2d(x, w, b, a), make({1, 1, 1, 1, 0, 0, 2, 4}, dt, {1, 2, 2, 2}), 0);
    a.relu = false;
    expect_same(fused_conv2d(x, w, b, a), make({1, 1, 1, 1, -4, -2, 2, 4}, dt, {1, 2, 2, 2}), 0);
  }
}

// relu passes NaN (as torch.relu does); the fused op must too, on every float32 path.
TEST(FuseConv, NaNPassesAsThroughTheUnfusedOps) {
  const Case& c = kCases[5];  // 64 input channels: oneDNN's blocked layout under kAuto
  for (ConvAlgorithm a : {ConvAlgorithm::kAuto, ConvAlgorithm::kIm2col, ConvAlgorithm::kDnnlPlain}) {
    cpu::ConvAlgorithmScope scope(a);
    Tensor x = wave(c.x, 0.3, 1.0, kFloat32), w = wave(c.w, 0.7, 0.5, kFloat32), b = wave({c.w[0]}, 0.2, 0.3, kFloat32);
    x.data_ptr<float>()[7] = std::numeric_limits<float>::quiet_NaN();
    FusedConv2dAttrs attrs;
    attrs.conv.padding = c.padding;
    attrs.relu = true;
    const std::vector<double> fused = doubles(fused_conv2d(x, w, b, attrs)),
                              unfused = doubles(relu(conv2d(x, w, b, c.stride, c.padding)));
    int64_t nans = 0;
    for (size_t i = 0; i < fused.size(); ++i) {
      nans += std::isnan(unfused[i]);
      EXPECT_EQ(std::isnan(fused[i]), std::isnan(unfused[i])) << "element " << i;
    }
    EXPECT_GT(nans, 0);
  }
}

TEST(FuseConv, AnInnerValueWithAnotherReaderIsNotFusedAway) {
  const Case& c = kCases[0];
  auto f = [&](const std::vector<Tensor>& in) {
    Tensor y = conv2d(in[0], in[1], {}, c.stride, c.padding) + in[2].view({1, -1, 1, 1});
    return std::vector<Tensor>{relu(y), y.sum()};  // the biased output is read twice: conv + bias fuse, relu stays
  };
  Function fn = graph::trace(f, {{"x", {2, 5, 9, 7}, kFloat32}, {"w", {6, 5, 3, 3}, kFloat32}, {"b", {6}, kFloat32}});
  Function fused(graph::fuse_conv2d(fn.graph()));
  EXPECT_EQ(ops_of(fused.graph()), (std::vector<std::string>{"fused_conv2d", "relu", "sum"}))
      << graph::to_text(fused.graph());
  std::vector<Tensor> in{wave({2, 5, 9, 7}, 0.3, 1, kFloat32), wave({6, 5, 3, 3}, 0.1, 1, kFloat32),
                         wave({6}, 0.5, 1, kFloat32)};
  auto a = fused(in), b = fn(in);
  expect_same(a[0], b[0], 1e-6);
  expect_same(a[1], b[1], 1e-6);

  // A conv2d output that is itself fetched stays a conv2d, with or without its bias operand.
  auto g = [&](const std::vector<Tensor>& in) {
    Tensor y = conv2d(in[0], in[1]);
    return std::vector<Tensor>{y, relu(y)};
  };
  Function gn = graph::trace(g, {{"x", {1, 2, 4, 4}, kFloat32}, {"w", {3, 2, 3, 3}, kFloat32}});
  EXPECT_EQ(ops_of(graph::fuse_conv2d(gn.graph())), (std::vector<std::string>{"conv2d", "relu"}));
  auto h = [&](const std::vector<Tensor>& in) {
    Tensor y = conv2d(in[0], in[1], in[2]);
    return std::vector<Tensor>{y, relu(y)};
  };
  Function hn = graph::trace(h, {{"x", {1, 2, 4, 4}, kFloat32}, {"w", {3, 2, 3, 3}, kFloat32}, {"b", {3}, kFloat32}});
  EXPECT_EQ(ops_of(graph::fuse_conv2d(hn.graph())), (std::vector<std::string>{"conv2d", "relu"}));
}

TEST(FuseConv, AnAddThatIsNotAPerChannelBiasIsNotFused) {
  auto f = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{conv2d(in[0], in[1]) + in[2]};  // a [1, 3, 2, 2] tensor, not a viewed bias
  };
  Function fn =
      graph::trace(f, {{"x", {1, 2, 4, 4}, kFloat32}, {"w", {3, 2, 3, 3}, kFloat32}, {"y", {1, 3, 2, 2}, kFloat32}});
  EXPECT_EQ(ops_of(graph::fuse_conv2d(fn.graph())), (std::vector<std::string>{"conv2d", "add"}));
}

TEST(FuseConv, TrainingGraphOfACnnMatchesUnfused) {
  auto m = small_cnn();
  Function g = cross_entropy_gradients(*m, {Dim("N"), 1, 14, 14}, {"0.weight", "0.bias", "3.weight", "3.bias"});
  Function opt(graph::fuse_elementwise(graph::fuse_conv2d(graph::optimize(g.graph()))));
  int fused = 0;
  for (const auto& n : opt.graph().nodes()) fused += n.def->name == "fused_conv2d";
  EXPECT_EQ(fused, 2) << graph::to_text(opt.graph());
  Tensor x = wave({3, 1, 14, 14}), t = make<int64_t>({1, 5, 9}, {3});
  auto a = opt({x, t}), b = g({x, t});
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) expect_same(a[i], b[i], 1e-12);
}

TEST(FuseConv, BadOperandsNameTheOpAndTheShapes) {
  Tensor x = zeros({1, 2, 4, 4}), w = zeros({3, 2, 3, 3});
  FusedConv2dAttrs a;
  expect_error<ShapeError>([&] { fused_conv2d(x, w, zeros({4}), a); }, "fused_conv2d: expected bias [3], got [4]");
  expect_error<ShapeError>([&] { fused_conv2d(zeros({1, 5, 4, 4}), w, {}, a); }, "fused_conv2d: input [1, 5, 4, 4]");
  expect_error<DTypeError>([&] { fused_conv2d(x, w, zeros({3}, kFloat64), a); }, "fused_conv2d: expected a float32");
}

}  // namespace
}  // namespace tessera::testing
