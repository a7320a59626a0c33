#include "tessera/ops/index.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "tessera/ops/creation.h"
#include "tessera/ops/registry.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::expect_error;
using testing::strided_view;
using testing::values;

// start, start + 1, ... shaped (torch.arange(start, start + n).reshape(shape)).
Tensor range(Shape shape, DType dtype = kFloat32, double start = 0) {
  std::vector<double> v(numel(shape));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<double>(i);
  return from_vector(v, shape, dtype);
}
// x = torch.arange(12.).reshape(3, 4), the input of most reference values below.
Tensor x34() { return range({3, 4}); }
Tensor idx(std::initializer_list<int64_t> v) { return tensor(v, kInt64); }
Tensor idx(std::initializer_list<std::initializer_list<int64_t>> v) { return tensor(v, kInt64); }
// A 0-d or [1, 1] index holding i.
Tensor idx0(int64_t i) { return full({}, i, kInt64); }
Tensor idx11(int64_t i) { return full({1, 1}, i, kInt64); }

// Reference: torch.gather(x, 1, [[3,0],[1,1],[2,2]]) and torch.gather(x, 0, [[2,0,1,0]]).
TEST(Gather, Values) {
  Tensor g = gather(x34(), 1, idx({{3, 0}, {1, 1}, {2, 2}}));
  EXPECT_EQ(g.shape(), (Shape{3, 2}));
  EXPECT_EQ(values<float>(g), (std::vector<float>{3, 0, 5, 5, 10, 10}));
  EXPECT_EQ(values<float>(gather(x34(), 0, idx({{2, 0, 1, 0}}))), (std::vector<float>{8, 1, 6, 3}));
  EXPECT_EQ(values<float>(gather(x34(), -1, tensor({{3}, {0}}, kInt32))), (std::vector<float>{3, 4}));  // int32
  // Index wider than x along dim is fine: torch.gather(x, 1, [[3,0,1,2,0]]).
  EXPECT_EQ(values<float>(gather(x34(), 1, idx({{3, 0, 1, 2, 0}}))), (std::vector<float>{3, 0, 1, 2, 0}));
  // Transposed x and a transposed index.
  Tensor xt = strided_view(x34(), {4, 3}, {1, 4});
  Tensor it = strided_view(idx({{0, 1}, {2, 0}}), {2, 2}, {1, 2});  // [[0, 2], [1, 0]]
  EXPECT_EQ(values<float>(gather(xt, 1, it)), (std::vector<float>{0, 8, 5, 1}));
  // 0-d and empty.
  Tensor s = gather(tensor({5.0, 6.0}), 0, idx0(1));
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(s.item<double>(), 6.0);
  EXPECT_EQ(gather(x34(), 0, zeros({0, 4}, kInt64)).shape(), (Shape{0, 4}));
}

TEST(Gather, Errors) {
  expect_error<IndexError>(
      [] {
        gather(x34(), 0, idx({{3, 0, 0, 0}}));
      },
      {"gather: index 3 is out of bounds for dimension 0 with size 3"});
  expect_error<IndexError>([] { gather(x34(), 0, idx({{-1, 0}})); }, {"gather", "index -1"});
  expect_error<IndexError>([] { gather(x34(), 2, idx11(0)); }, {"gather"});
  expect_error<DTypeError>([] { gather(x34(), 0, tensor({{0.0f}})); }, {"gather", "int64 or int32", "float32"});
  expect_error<ShapeError>([] { gather(x34(), 1, idx({3, 0})); }, {"gather", "[2]", "[3, 4]"});
  expect_error<ShapeError>([] { gather(x34(), 1, zeros({4, 5}, kInt64)); }, {"gather", "[4, 5]", "[3, 4]"});
}

// Reference: torch.scatter / torch.scatter_add with the same arguments.
TEST(Scatter, Values) {
  Tensor src = range({2, 5}, kFloat32, 1);
  Tensor s = scatter(zeros({3, 5}), 0, idx({{0, 1, 2, 0, 0}, {2, 0, 0, 1, 2}}), src);
  EXPECT_EQ(values<float>(s), (std::vector<float>{1, 7, 8, 4, 5, 0, 2, 0, 9, 0, 6, 0, 3, 0, 10}));
  // A repeated index: the last write along dim wins.
  EXPECT_EQ(values<float>(scatter(zeros({3}), 0, idx({1, 1, 2}), tensor({5.0f, 6.0f, 7.0f}))),
            (std::vector<float>{0, 6, 7}));
  // src larger than index: only the index's extent is read.
  Tensor big = scatter(x34(), 0, idx({{1, 0}}), ones({2, 3}));
  EXPECT_EQ(values<float>(big), (std::vector<float>{0, 1, 2, 3, 1, 5, 6, 7, 8, 9, 10, 11}));
  // Value form, converted to the input dtype (7.5 -> 7 for int64).
  EXPECT_EQ(values<float>(scatter(x34(), 0, idx({{1, 0}}), 7)),
            (std::vector<float>{0, 7, 2, 3, 7, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(values<int64_t>(scatter(zeros({2, 2}, kInt64), 1, tensor({{1}, {0}}, kInt64), 7.5)),
            (std::vector<int64_t>{0, 7, 7, 0}));
  // x is not modified; the result is new.
  Tensor x = x34();
  scatter(x, 0, idx11(2), -1.0f);
  EXPECT_EQ(values<float>(x)[0], 0.0f);
  // Non-contiguous x (transposed).
  Tensor xt = strided_view(x34(), {4, 3}, {1, 4});
  EXPECT_EQ(values<float>(scatter(xt, 1, idx11(2), -1.0f))[2], -1.0f);
  EXPECT_EQ(values<float>(scatter(xt, 1, idx11(2), -1.0f))[3], 1.0f);
}

TEST(Scatter, AddAccumulatesRepeatedIndices) {
  Tensor s = scatter_add(zeros({2, 3}), 1, idx({{0, 0, 2}, {1, 1, 1}}), range({2, 3}, kFloat32, 1));
  EXPECT_EQ(values<float>(s), (std::vector<float>{3, 0, 3, 0, 15, 0}));
  Tensor t = scatter_add(x34(), 0, idx({{1, 0}, {1, 2}}), ones({3, 3}));
  EXPECT_EQ(values<float>(t), (std::vector<float>{0, 2, 2, 3, 6, 5, 6, 7, 8, 10, 10, 11}));
  Tensor b = scatter_add(tensor({false, false, true}), 0, idx({0, 0, 1}), tensor({false, true, false}));
  EXPECT_EQ(values<bool>(b), (std::vector<bool>{true, false, true}));  // logical or
  // Many collisions across threads still sum exactly (integers) and in order.
  const int64_t n = 100000;
  Tensor many = scatter_add(zeros({1, 4}, kInt64), 1, zeros({1, n}, kInt64), ones({1, n}, kInt64));
  EXPECT_EQ(values<int64_t>(many), (std::vector<int64_t>{n, 0, 0, 0}));
  Tensor h = scatter_add(zeros({2}, kFloat16), 0, idx({1, 1}), tensor({0.5f, 0.25f}, kFloat16));
  EXPECT_EQ(values<float>(h.to(kFloat32)), (std::vector<float>{0.0f, 0.75f}));
}

// Large enough for the parallel loops; compared with in-order serial loops (so float sums match exactly).
TEST(Scatter, LargeMatchesSerialLoops) {
  std::mt19937 gen(7);
  const int64_t rows = 4, cols = 50000, k = 8;
  std::vector<int64_t> ix(k * cols);
  std::vector<float> src(k * cols);
  for (auto& v : ix) v = std::uniform_int_distribution<int64_t>(0, rows - 1)(gen);
  for (auto& v : src) v = std::uniform_real_distribution<float>(-1, 1)(gen);
  Tensor index = from_vector(ix, Shape{k, cols}), source = from_vector(src, Shape{k, cols});
  std::vector<float> want(rows * cols, 0.0f), last(rows * cols, 0.0f);
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      want[ix[i * cols + j] * cols + j] += src[i * cols + j];
      last[ix[i * cols + j] * cols + j] = src[i * cols + j];
    }
  }
  EXPECT_EQ(values<float>(scatter_add(zeros({rows, cols}), 0, index, source)), want);
  EXPECT_EQ(values<float>(scatter(zeros({rows, cols}), 0, index, source)), last);
  // gather reads back what scatter wrote where the index was last used.
  std::vector<float> got = values<float>(gather(from_vector(last, Shape{rows, cols}), 0, index));
  for (int64_t j = 0; j < cols; ++j) EXPECT_EQ(got[(k - 1) * cols + j], src[(k - 1) * cols + j]);
  // index_select of many rows (an embedding lookup).
  Tensor table = range({1000, 64});
  std::vector<int64_t> rows_ix(5000);
  for (auto& v : rows_ix) v = std::uniform_int_distribution<int64_t>(0, 999)(gen);
  std::vector<float> sel = values<float>(index_select(table, 0, from_vector(rows_ix)));
  for (size_t r = 0; r < rows_ix.size(); r += 97) EXPECT_EQ(sel[r * 64 + 5], static_cast<float>(rows_ix[r] * 64 + 5));
}

TEST(Scatter, Errors) {
  expect_error<IndexError>(
      [] {
        scatter(x34(), 0, idx({{3, 0}}), ones({1, 2}));
      },
      {"scatter: index 3 is out of bounds for dimension 0 with size 3"});
  expect_error<IndexError>([] { scatter(x34(), 0, idx({{-1, 0}}), 1.0); }, {"scatter", "index -1"});
  expect_error<IndexError>([] { scatter_add(x34(), 1, idx11(4), ones({1, 1})); }, {"scatter_add", "index 4"});
  expect_error<DTypeError>(
      [] {
        scatter(x34(), 0, idx({{1, 0}}), ones({1, 2}, kFloat64));
      },
      {"scatter", "src", "float32", "float64"});
  expect_error<DTypeError>([] { scatter_add(x34(), 0, tensor({{1.0f}}), ones({1, 1})); }, {"scatter_add", "index"});
  expect_error<ShapeError>(
      [] {
        scatter(x34(), 0, idx({{1, 0, 0}}), ones({1, 2}));
      },
      {"scatter", "[1, 3]", "[1, 2]", "[3, 4]"});
  expect_error<ShapeError>([] { scatter(x34(), 0, idx({{1, 0, 0, 0, 0}}), ones({1, 5})); }, {"scatter", "[1, 5]"});
  expect_error<ShapeError>([] { scatter(x34(), 0, idx({1, 0}), ones({2})); }, {"scatter", "dims"});
}

// Reference: torch.index_select(x, 1, [3, 0, 3]); torch.index_select(x, 0, torch.tensor(1)).
TEST(IndexSelect, Values) {
  Tensor s = index_select(x34(), 1, idx({3, 0, 3}));
  EXPECT_EQ(s.shape(), (Shape{3, 3}));
  EXPECT_EQ(values<float>(s), (std::vector<float>{3, 0, 3, 7, 4, 7, 11, 8, 11}));
  Tensor r = index_select(x34(), 0, idx0(1));
  EXPECT_EQ(r.shape(), (Shape{1, 4}));
  EXPECT_EQ(values<float>(r), (std::vector<float>{4, 5, 6, 7}));
  EXPECT_EQ(values<float>(index_select(x34(), 0, tensor({2, 2}, kInt32))),
            (std::vector<float>{8, 9, 10, 11, 8, 9, 10, 11}));
  Tensor xt = strided_view(x34(), {4, 3}, {1, 4});
  EXPECT_EQ(values<float>(index_select(xt, 0, idx({1}))), (std::vector<float>{1, 5, 9}));
  EXPECT_EQ(index_select(x34(), 1, zeros({0}, kInt64)).shape(), (Shape{3, 0}));
  Tensor s0 = index_select(full({}, 5.0), 0, idx({0}));
  EXPECT_EQ(s0.shape(), Shape{});
  EXPECT_EQ(s0.item<float>(), 5.0f);
}

TEST(IndexSelect, Errors) {
  expect_error<IndexError>([] { index_select(x34(), 0, idx({3})); },
                           {"index_select: index 3 is out of bounds for dimension 0 with size 3"});
  expect_error<IndexError>([] { index_select(x34(), 0, idx({-1})); }, {"index_select", "index -1"});
  expect_error<ShapeError>([] { index_select(x34(), 0, idx11(1)); }, {"index_select", "1-d", "[1, 1]"});
  expect_error<DTypeError>([] { index_select(x34(), 0, tensor({1.0f})); }, {"index_select", "float32"});
  expect_error<ShapeError>([] { index_select(full({}, 5.0), 0, idx({0, 0})); }, {"index_select", "0-d"});
}

// Reference: torch.index_add(torch.ones(5,3), 0, [0,4,2,0], arange(12).reshape(4,3), alpha=2) and
// torch.index_add(torch.ones(2,4), 1, [3,1], arange(4).reshape(2,2)).
TEST(IndexAdd, Values) {
  Tensor a = index_add(ones({5, 3}), 0, idx({0, 4, 2, 0}), range({4, 3}), 2);
  EXPECT_EQ(values<float>(a), (std::vector<float>{19, 23, 27, 1, 1, 1, 13, 15, 17, 1, 1, 1, 7, 9, 11}));
  Tensor b = index_add(ones({2, 4}), 1, idx({3, 1}), range({2, 2}));
  EXPECT_EQ(values<float>(b), (std::vector<float>{1, 2, 1, 1, 1, 4, 1, 3}));
  Tensor c = index_add(zeros({3}, kInt64), 0, tensor({2, 2, 0}, kInt32), tensor({1, 2, 3}, kInt64), 3);
  EXPECT_EQ(values<int64_t>(c), (std::vector<int64_t>{9, 0, 9}));
  Tensor st = strided_view(arange(4, kFloat32), {2, 2}, {1, 2});  // [[0, 2], [1, 3]]
  EXPECT_EQ(values<float>(index_add(zeros({2, 2}), 0, idx({1, 1}), st)), (std::vector<float>{0, 0, 1, 5}));
  Tensor s = index_add(full({}, 1.0), 0, idx({0}), full({}, 2.0));
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(s.item<float>(), 3.0f);
}

TEST(IndexAdd, Errors) {
  expect_error<IndexError>(
      [] {
        index_add(x34(), 0, idx({3}), ones({1, 4}));
      },
      {"index_add: index 3 is out of bounds for dimension 0 with size 3"});
  expect_error<IndexError>([] { index_add(x34(), 0, idx({-1}), ones({1, 4})); }, {"index_add", "index -1"});
  expect_error<DTypeError>([] { index_add(x34(), 0, idx({0}), ones({1, 4}, kFloat64)); }, {"index_add", "source"});
  expect_error<DTypeError>([] { index_add(zeros({3}, kInt64), 0, idx({0}), ones({1}, kInt64), 2.5); },
                           {"index_add", "alpha", "2.5"});
  expect_error<ShapeError>(
      [] {
        index_add(x34(), 0, idx({0, 0}), ones({2, 3}));
      },
      {"index_add", "[2, 3]", "[3, 4]", "[2, 4]"});
  expect_error<ShapeError>([] { index_add(x34(), 0, idx({0, 0}), ones({3, 4})); }, {"index_add", "[3, 4]"});
  expect_error<ShapeError>([] { index_add(x34(), 0, idx({{0, 0}}), ones({2, 4})); }, {"index_add", "1-d"});
}

// Reference: torch.masked_fill(torch.zeros(3), [[True], [False]], 1.) broadcasts to [2, 3].
TEST(MaskedFill, BroadcastsAndConverts) {
  Tensor m = masked_fill(zeros({3}), tensor({{true}, {false}}), 1.0);
  EXPECT_EQ(m.shape(), (Shape{2, 3}));
  EXPECT_EQ(values<float>(m), (std::vector<float>{1, 1, 1, 0, 0, 0}));
  EXPECT_EQ(values<int64_t>(masked_fill(zeros({3}, kInt64), tensor({true, false, true}), 1.7)),
            (std::vector<int64_t>{1, 0, 1}));
  Tensor xt = strided_view(x34(), {4, 3}, {1, 4});
  Tensor f = masked_fill(xt, tensor({false, true, false}), -std::numeric_limits<float>::infinity());
  EXPECT_EQ(values<float>(f)[1], -std::numeric_limits<float>::infinity());
  EXPECT_EQ(values<float>(f)[3], 1.0f);
  EXPECT_EQ(masked_fill(full({}, 2.0), full({}, true, kBool), 0).item<float>(), 0.0f);
  expect_error<DTypeError>(
      [] {
        masked_fill(zeros({3}), tensor({1, 0, 1}, kInt64), 1.0);
      },
      {"masked_fill", "bool", "int64"});
  expect_error<ShapeError>([] { masked_fill(zeros({3}), tensor({true, false}), 1.0); }, {"masked_fill", "[3]", "[2]"});
}

// Reference: torch.masked_select(torch.arange(3.), [[True], [False]]) -> [0, 1, 2].
TEST(MaskedSelect, Values) {
  Tensor s = masked_select(arange(3, kFloat32), tensor({{true}, {false}}));
  EXPECT_EQ(s.shape(), Shape{3});
  EXPECT_EQ(values<float>(s), (std::vector<float>{0, 1, 2}));
  Tensor xt = strided_view(x34(), {4, 3}, {1, 4});
  Tensor t = masked_select(xt, tensor({true, false, true}));
  EXPECT_EQ(values<float>(t), (std::vector<float>{0, 8, 1, 9, 2, 10, 3, 11}));
  EXPECT_EQ(values<float>(masked_select(full({}, 3.0), full({}, true, kBool))), std::vector<float>{3});
  EXPECT_EQ(masked_select(x34(), zeros({3, 4}, kBool)).shape(), Shape{0});
  // Large enough to be split into chunks: the order stays row-major.
  const int64_t n = 100003;
  std::vector<bool> keep(n, true);
  keep[0] = false;
  Tensor big = masked_select(arange(n, kInt64), from_vector(keep));
  EXPECT_EQ(big.numel(), n - 1);
  std::vector<int64_t> v = values<int64_t>(big);
  EXPECT_EQ(v.front(), 1);
  EXPECT_EQ(v.back(), n - 1);
  expect_error<DTypeError>([] { masked_select(zeros({3}), zeros({3})); }, {"masked_select", "bool"});
  expect_error<ShapeError>([] { masked_select(zeros({3}), zeros({2}, kBool)); }, {"masked_select", "[3]", "[2]"});
}

// Reference: torch.nonzero(torch.tensor([[[0,1],[2,0]],[[0,0],[3,4]]])), torch.nonzero(torch.tensor(3.)).
TEST(Nonzero, Values) {
  Tensor nz = nonzero(tensor({{{0, 1}, {2, 0}}, {{0, 0}, {3, 4}}}, kInt64));
  EXPECT_EQ(nz.shape(), (Shape{4, 3}));
  EXPECT_EQ(nz.dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(nz), (std::vector<int64_t>{0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(nonzero(full({}, 3.0)).shape(), (Shape{1, 0}));
  EXPECT_EQ(nonzero(full({}, 0.0)).shape(), (Shape{0, 0}));
  EXPECT_EQ(nonzero(zeros({2, 0})).shape(), (Shape{0, 2}));
  Tensor xt = strided_view(tensor({{0.0, 1.0}, {std::nan(""), 0.0}}), {2, 2}, {1, 2});  // [[0, nan], [1, 0]]
  EXPECT_EQ(values<int64_t>(nonzero(xt)), (std::vector<int64_t>{0, 1, 1, 0}));
  EXPECT_EQ(values<int64_t>(nonzero(tensor({false, true, true}))), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(values<int64_t>(nonzero(tensor({0.0f, 0.5f}, kBFloat16))), std::vector<int64_t>{1});
  EXPECT_EQ(values<int64_t>(nonzero(tensor({1e-300, 0.0}))), std::vector<int64_t>{0});  // not rounded to float
  // Across chunks: every 7th of 100000 elements.
  std::vector<uint8_t> pattern(100000);
  for (size_t i = 0; i < pattern.size(); i += 7) pattern[i] = 1;
  std::vector<int64_t> pos = values<int64_t>(nonzero(from_vector(pattern, Shape{1000, 100})));
  ASSERT_EQ(pos.size(), 2 * ((pattern.size() + 6) / 7));
  EXPECT_EQ(pos[2 * 15], 1);  // element 105 is (1, 5)
  EXPECT_EQ(pos[2 * 15 + 1], 5);
  EXPECT_FALSE(registry().get("nonzero").differentiable());
}

// Reference: torch.tril / torch.triu on arange(12.).reshape(3,4) and arange(1., 25).reshape(2,3,4).
TEST(Triangle, Values) {
  EXPECT_EQ(values<float>(tril(x34(), -1)), (std::vector<float>{0, 0, 0, 0, 4, 0, 0, 0, 8, 9, 0, 0}));
  EXPECT_EQ(values<float>(triu(x34(), 1)), (std::vector<float>{0, 1, 2, 3, 0, 0, 6, 7, 0, 0, 0, 11}));
  Tensor b = range({2, 3, 4}, kFloat32, 1);
  EXPECT_EQ(values<float>(tril(b, 1)),
            (std::vector<float>{1, 2, 0, 0, 5, 6, 7, 0, 9, 10, 11, 12, 13, 14, 0, 0, 17, 18, 19, 0, 21, 22, 23, 24}));
  EXPECT_EQ(values<float>(triu(b, -1)),
            (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 0, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 0, 22, 23, 24}));
  EXPECT_EQ(values<float>(tril(x34(), 100)), values<float>(x34()));
  EXPECT_EQ(values<float>(triu(x34(), std::numeric_limits<int64_t>::max())), std::vector<float>(12, 0.0f));
  EXPECT_EQ(values<float>(tril(x34(), std::numeric_limits<int64_t>::min())), std::vector<float>(12, 0.0f));
  Tensor xt = strided_view(x34(), {4, 3}, {1, 4});  // x.T
  EXPECT_EQ(values<float>(tril(xt)), (std::vector<float>{0, 0, 0, 1, 5, 0, 2, 6, 10, 3, 7, 11}));
  EXPECT_EQ(values<int64_t>(triu(tensor({{1, 2}, {3, 4}}, kInt64))), (std::vector<int64_t>{1, 2, 0, 4}));
  EXPECT_EQ(tril(zeros({2, 0, 3})).shape(), (Shape{2, 0, 3}));
  expect_error<ShapeError>([] { tril(ones({3})); }, {"tril", "at least 2 dims", "[3]"});
  expect_error<ShapeError>([] { triu(ones({})); }, {"triu", "[]"});
}

// Reference: torch.nn.functional.one_hot(torch.tensor([[1,0],[3,1]])) and one_hot(torch.tensor(1), 3).
TEST(OneHot, Values) {
  Tensor o = one_hot(idx({{1, 0}, {3, 1}}));
  EXPECT_EQ(o.shape(), (Shape{2, 2, 4}));
  EXPECT_EQ(o.dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(o), (std::vector<int64_t>{0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0}));
  EXPECT_EQ(values<int64_t>(one_hot(idx0(1), 3)), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(values<int64_t>(one_hot(tensor({2}, kInt32), 4)), (std::vector<int64_t>{0, 0, 1, 0}));
  EXPECT_EQ(one_hot(zeros({0}, kInt64), 5).shape(), (Shape{0, 5}));
  EXPECT_FALSE(registry().get("one_hot").differentiable());
}

TEST(OneHot, Errors) {
  expect_error<ValueError>([] { one_hot(idx({0, 2}), 2); }, {"one_hot", "2", "num_classes 2"});
  expect_error<ValueError>([] { one_hot(idx({0, -2}), 3); }, {"one_hot", "non-negative", "-2"});
  expect_error<ValueError>([] { one_hot(idx({0, -2})); }, {"one_hot", "non-negative"});
  expect_error<ValueError>([] { one_hot(zeros({0}, kInt64)); }, {"one_hot", "empty"});
  expect_error<ValueError>([] { one_hot(idx({1}), -2); }, {"one_hot", "num_classes", "-2"});
  expect_error<DTypeError>([] { one_hot(tensor({1.0f}), 3); }, {"one_hot", "float32"});
}

}  // namespace
}  // namespace tessera
