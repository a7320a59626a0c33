// MaxPool3d against PyTorch 1.13 (torch.nn.functional.max_pool3d, float64). Inputs x.flat[i] = sin(0.37 i + 0.1);
// the checks are sum(y * g) with g.flat[i] = sin(0.11 i + 0.05), sum(grad_x * v) with v.flat[i] = sin(0.23 i +
// 0.7) for the backward of sum(y * g), and the first and last outputs (values from PyTorch, written here; 1e-12
// allows for libm sin differences at large arguments).
#include "tessera/nn/pooling3d.h"

#include <cmath>

#include "tessera/ops/reduce.h"
#include "testing.h"

namespace tessera {
namespace {

Tensor wave(const Shape& shape, double a, double b) {
  std::vector<double> v(static_cast<size_t>(numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(a * double(i) + b);
  return testing::make(v, kFloat64, shape);
}

struct Case {
  Shape input;
  std::array<int64_t, 3> kernel;
  nn::MaxPool3dOptions options;
  Shape output;
  double weighted_output, weighted_grad, first, last;
};

TEST(MaxPool3d, MatchesPyTorch) {
  const std::vector<Case> cases = {
      {{2, 3, 5, 6, 7},
       {2, 2, 2},
       {},
       {2, 3, 2, 3, 3},
       1.8616910253703023,
       -4.865271849511167,
       0.4528862853790683,
       0.9696617292401556},
      {{1, 2, 6, 5, 6},
       {3, 2, 2},
       {.stride = {{2, 1, 2}}, .padding = {1, 0, 1}, .ceil_mode = true},
       {1, 2, 4, 4, 4},
       2.8473479682498484,
       3.6607166688099744,
       0.7536707851417809,
       0.8322248871340991},
      {{2, 1, 7, 7, 5},
       {2, 3, 2},
       {.stride = {{1, 2, 1}}, .padding = {1, 1, 0}, .dilation = {2, 1, 2}},
       {2, 1, 7, 4, 3},
       -0.9851578400473648,
       -0.3080850897159422,
       0.9403403914098841,
       0.8491694463089281},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(shape_str(c.input));
    Tensor x = wave(c.input, 0.37, 0.1).requires_grad_();
    nn::MaxPool3d pool(c.kernel, c.options);
    Tensor y = pool(x);
    ASSERT_EQ(y.shape(), c.output);
    Tensor g = wave(y.shape(), 0.11, 0.05);
    Tensor total = (y * g).sum();
    EXPECT_NEAR(total.item<double>(), c.weighted_output, 1e-12);
    total.backward();
    EXPECT_NEAR((x.grad() * wave(c.input, 0.23, 0.7)).sum().item<double>(), c.weighted_grad, 1e-12);
    const std::vector<double> v = testing::doubles(y);
    EXPECT_NEAR(v.front(), c.first, 1e-12);
    EXPECT_NEAR(v.back(), c.last, 1e-12);
  }
  // Unbatched input: the batched result's first sample.
  Tensor x = wave({2, 3, 5, 6, 7}, 0.37, 0.1);
  EXPECT_EQ(testing::doubles(nn::functional::max_pool3d(x[0], {2, 2, 2})),
            testing::doubles(nn::functional::max_pool3d(x, {2, 2, 2})[0]));
}

// Indices over D * H * W per plane, from PyTorch's return_indices=True on the second and third cases above.
TEST(MaxPool3d, IndicesMatchPyTorch) {
  auto [y, idx] = nn::MaxPool3d({3, 2, 2}, {.stride = {{2, 1, 2}}, .padding = {1, 0, 1}, .ceil_mode = true})
                      .forward_with_indices(wave({1, 2, 6, 5, 6}, 0.37, 0.1));
  EXPECT_EQ(idx.dtype(), kInt64);
  std::vector<int64_t> v = testing::ivalues(idx);
  EXPECT_EQ(std::vector<int64_t>(v.begin(), v.begin() + 12),
            (std::vector<int64_t>{36, 38, 4, 5, 36, 38, 39, 41, 18, 20, 21, 53}));
  EXPECT_EQ(idx.sum().item<int64_t>(), 13002);
  auto [y2, idx2] =
      nn::functional::max_pool3d_with_indices(wave({2, 1, 7, 7, 5}, 0.37, 0.1), {2, 3, 2},
                                              {.stride = {{1, 2, 1}}, .padding = {1, 1, 0}, .dilation = {2, 1, 2}});
  EXPECT_EQ(idx2.sum().item<int64_t>(), 20994);
  std::vector<int64_t> w = testing::ivalues(idx2);
  EXPECT_EQ(std::vector<int64_t>(w.end() - 5, w.end()), (std::vector<int64_t>{201, 199, 200, 201, 202}));
}

TEST(MaxPool3d, Errors) {
  nn::MaxPool3d pool(2);
  testing::expect_error<ShapeError>([&] { pool(zeros({2, 3, 4}, kFloat64)); }, {"MaxPool3d", "[2, 3, 4]"});
  testing::expect_error<ValueError>(
      [&] {
        nn::functional::max_pool3d(zeros({1, 1, 4, 4, 4}), {2, 2, 2}, {.padding = {2, 0, 0}});
      },
      "max_pool3d");
  testing::expect_error<ShapeError>(
      [&] {
        nn::functional::max_pool3d(zeros({1, 1, 1, 4, 4}), {3, 2, 2});
      },
      {"max_pool3d", "depth"});
  EXPECT_NE(pool.repr().find("MaxPool3d(kernel_size=(2, 2, 2)"), std::string::npos) << pool.repr();
}

}  // namespace
}  // namespace tessera
