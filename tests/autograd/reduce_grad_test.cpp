// Gradients of the reduction and scan/sort families (ops/reduce_grad.cpp, ops/scan_sort_grad.cpp) checked against
// values computed with PyTorch 1.13 (torch.autograd.grad in float64): the conventions at ties and zeros, the index
// routing of max/sort/topk, and the expansion of g over reduced dims.
#include <gtest/gtest.h>

#include <limits>

#include "tessera/autograd/engine.h"
#include "tessera/tessera.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::doubles;
using testing::leaf;
using testing::vjp;

using Values = std::vector<double>;

void expect_near(const Tensor& t, const Values& want) {
  Values got = doubles(t);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << "element " << i << " of " << t;
}

// x = [[1, 3, 3], [2, 0, 2]]: the maxima of each row are tied.
Tensor tied() { return leaf({1, 3, 3, 2, 0, 2}, {2, 3}); }

TEST(ReduceGrad, AmaxSplitsTiesEvenly) {
  Tensor x = tied();
  expect_near(vjp(x.amax({1}), x), {0, 0.5, 0.5, 0.5, 0, 0.5});
  expect_near(vjp(x.amin(), x), {0, 0, 0, 0, 1, 0});
  expect_near(vjp(x.amax({1}, /*keepdim=*/true), x, from_vector<double>({2, 4}, Shape{2, 1})), {0, 1, 1, 2, 0, 2});
}

TEST(ReduceGrad, MaxDimRoutesToTheReturnedIndex) {
  Tensor x = tied();
  auto [v, i] = max(x, 1);
  EXPECT_EQ(doubles(i), (Values{1, 0}));  // first occurrence of the tie
  expect_near(vjp(v, x, from_vector<double>({10, 20})), {0, 10, 0, 20, 0, 0});
  auto [mv, mi] = min(x.t(), 0, /*keepdim=*/true);  // the minimum of each row of x: columns 0 and 1
  expect_near(vjp(mv, x, from_vector<double>({1, 2}, Shape{1, 2})), {1, 0, 0, 0, 2, 0});
}

TEST(ReduceGrad, MeanAndSumExpandOverReducedDims) {
  Tensor x = tied();
  expect_near(vjp(x.mean({0, 1}), x), Values(6, 1.0 / 6));
  expect_near(vjp(x.mean({0}, true), x, from_vector<double>({1, 2, 3}, Shape{1, 3})), {0.5, 1, 1.5, 0.5, 1, 1.5});
  expect_near(vjp(x.t().sum({0}), x, from_vector<double>({5, 7})), {5, 5, 5, 7, 7, 7});
}

TEST(ReduceGrad, NormAtZeroIsZero) {
  Tensor z = zeros({2, 3}, kFloat64).requires_grad_();
  expect_near(vjp(norm(z, 2, {1}), z), Values(6, 0.0));
  Tensor y = leaf({3, 4, 0, 0}, {2, 2});
  expect_near(vjp(norm(y, 2, {1}), y), {0.6, 0.8, 0, 0});
  Tensor w = leaf({3, -4, 0, 2}, {2, 2});
  expect_near(vjp(norm(w, 1, {1}), w), {1, -1, 0, 1});  // sign(x), 0 at 0
  Tensor x = tied();
  expect_near(vjp(norm(x, std::numeric_limits<double>::infinity()), x), {0, 0.5, 0.5, 0, 0, 0});
}

TEST(ReduceGrad, ProdIsExactWithZeros) {
  // Rows with one zero, two zeros and none.
  Tensor p = leaf({2, 0, 3, 0, 0, 5, 1, 2, 4}, {3, 3});
  expect_near(vjp(prod(p, {1}), p), {0, 6, 0, 0, 0, 0, 8, 4, 2});
  expect_near(vjp(prod(p.t(), {0}), p), {0, 6, 0, 0, 0, 0, 8, 4, 2});
}

TEST(ReduceGrad, StdAndVar) {
  Tensor s = leaf({1, 1, 1, 3}, {2, 2});
  expect_near(vjp(s.std({1}), s), {0, 0, -0.7071067811865475, 0.7071067811865475});  // 0 at zero variance
  Tensor q = leaf({3, 1, 2}, {3});
  expect_near(vjp(q.var(), q), {1, -1, 0});
  expect_near(vjp(logsumexp(q, {0}), q), {0.6652409557748217, 0.09003057317038043, 0.24472847105479759});
}

TEST(ScanSortGrad, CumulativeOps) {
  Tensor c = leaf({1, 2, 3}, {3});
  expect_near(vjp(cumsum(c, 0), c, from_vector<double>({1, 10, 100})), {111, 110, 100});
  expect_near(vjp(cumprod(c, 0), c), {9, 4, 2});
}

TEST(ScanSortGrad, SortAndTopkRouteToIndices) {
  Tensor q = leaf({3, 1, 2}, {3});
  expect_near(vjp(std::get<0>(sort(q)), q, from_vector<double>({1, 10, 100})), {100, 1, 10});
  expect_near(vjp(std::get<0>(topk(q, 2)), q, from_vector<double>({1, 10})), {1, 0, 10});
  expect_near(vjp(std::get<0>(kthvalue(q, 2)), q), {0, 0, 1});
}

}  // namespace
}  // namespace tessera
