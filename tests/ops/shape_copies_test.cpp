// The shape family's copies: flip and slice_scatter. Reference values: PyTorch 1.13 (expressions quoted).
#include <gtest/gtest.h>

#include "tessera/ops/binary.h"
#include "tessera/ops/copy.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/shape.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::doubles;
using testing::expect_error;
using testing::ivalues;
using testing::values;

TEST(Flip, ReversesTheGivenDims) {
  Tensor x = arange(24).view({2, 3, 4});
  Tensor f = flip(x, {0, -1});  // torch.flip(x, [0, 2])
  EXPECT_EQ(f.shape(), x.shape());
  EXPECT_TRUE(f.is_contiguous());
  EXPECT_NE(f.storage(), x.storage());  // a copy, like PyTorch
  EXPECT_EQ(ivalues(f), (std::vector<int64_t>{15, 14, 13, 12, 19, 18, 17, 16, 23, 22, 21, 20,
                                              3,  2,  1,  0,  7,  6,  5,  4,  11, 10, 9,  8}));
  EXPECT_EQ(ivalues(flip(x, {})), ivalues(x));              // no dims: a plain copy
  EXPECT_EQ(ivalues(flip(flip(x, {1}), {1})), ivalues(x));  // its own inverse
}

TEST(Flip, NonContiguousInputs) {
  // torch.flip(x.transpose(0, 2), [1]) for x = arange(24).view(2, 3, 4).
  Tensor x = arange(24).view({2, 3, 4}).transpose(0, 2);
  EXPECT_EQ(ivalues(flip(x, {1})), (std::vector<int64_t>{8,  20, 4, 16, 0, 12, 9,  21, 5, 17, 1, 13,
                                                         10, 22, 6, 18, 2, 14, 11, 23, 7, 19, 3, 15}));
  Tensor e = tensor({1.0, 2.0, 3.0}).expand({2, 3});  // stride-0 rows
  EXPECT_EQ(doubles(flip(e, {0, 1})), (std::vector<double>{3, 2, 1, 3, 2, 1}));
  Tensor s = arange(10).slice(0, 1, std::nullopt, 3);  // [1, 4, 7]
  EXPECT_EQ(ivalues(flip(s, {0})), (std::vector<int64_t>{7, 4, 1}));
}

TEST(Flip, DTypesEdgeShapesAndLargeInputs) {
  EXPECT_EQ(values<bool>(flip(tensor({true, false, false}), {0})), (std::vector<bool>{false, false, true}));
  Tensor h = flip(arange(4, kFloat16), {0});
  EXPECT_EQ(h.dtype(), kFloat16);
  EXPECT_EQ(doubles(h), (std::vector<double>{3, 2, 1, 0}));
  Tensor s = flip(full({}, 2.5), {0});  // a 0-d tensor accepts dim 0 or -1
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<float>(), 2.5f);
  EXPECT_EQ(flip(zeros({0, 3}), {0, 1}).shape(), (Shape{0, 3}));
  Tensor big = flip(arange(100000).view({2, 50000}), {1});  // large enough to run on several threads
  EXPECT_EQ(big.select(0, 0).select(0, 0).item<int64_t>(), 49999);
  EXPECT_EQ(big.select(0, 1).select(0, 49999).item<int64_t>(), 50000);
}

TEST(Flip, Errors) {
  Tensor x = zeros({2, 3});
  expect_error<IndexError>([&] { flip(x, {2}); }, {"flip", "dimension 2 out of range"});
  expect_error<ValueError>([&] { flip(x, {0, -2}); }, {"flip", "appears more than once"});
  expect_error<IndexError>([&] { flip(full({}, 1.0), {1}); }, {"flip"});
}

TEST(SliceScatter, WritesSrcIntoACopyOfBase) {
  Tensor base = zeros({3, 5}, kFloat64);
  Tensor src = arange(6, kFloat64).view({3, 2}) + 0.5;
  // torch.slice_scatter(base, src, dim=1, start=-4, step=2): columns 1 and 3.
  Tensor r = slice_scatter(base, src, 1, -4, std::nullopt, 2);
  EXPECT_EQ(r.shape(), (Shape{3, 5}));
  EXPECT_EQ(doubles(r), (std::vector<double>{0, 0.5, 0, 1.5, 0, 0, 2.5, 0, 3.5, 0, 0, 4.5, 0, 5.5, 0}));
  EXPECT_EQ(doubles(base), std::vector<double>(15, 0.0));  // base is not modified
  // Default bounds replace everything along dim 0.
  EXPECT_EQ(doubles(slice_scatter(zeros({2}), tensor({7.0f, 8.0f}))), (std::vector<double>{7, 8}));
}

TEST(SliceScatter, NonContiguousDTypesAndEmptySlices) {
  // A transposed base and a transposed src: rows 1..2 of base.t() (a [3, 2]) become src.
  Tensor base = arange(6, kFloat64).view({2, 3}).t();     // [[0, 3], [1, 4], [2, 5]]
  Tensor src = tensor({{10.0, 30.0}, {20.0, 40.0}}).t();  // [[10, 20], [30, 40]]
  EXPECT_EQ(doubles(slice_scatter(base, src, 0, 1)), (std::vector<double>{0, 3, 10, 20, 30, 40}));
  // src is converted to base's dtype: torch.slice_scatter(zeros(3, int64), tensor([1.7]), start=1, end=2).
  Tensor i = slice_scatter(zeros({3}, kInt64), tensor({1.7}), 0, 1, 2);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(ivalues(i), (std::vector<int64_t>{0, 1, 0}));
  // An empty slice (start past end) and a zero-size dim leave base's values.
  EXPECT_EQ(doubles(slice_scatter(ones({3}), zeros({0}), 0, 2, 1)), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(slice_scatter(zeros({2, 0}), zeros({2, 0}), 1).shape(), (Shape{2, 0}));
}

TEST(SliceScatter, Errors) {
  Tensor base = zeros({4});
  expect_error<ShapeError>([&] { slice_scatter(base, zeros({3}), 0, 0, 4, 2); },
                           {"slice_scatter", "src size = [3]", "slice size = [2]"});
  expect_error<ShapeError>([&] { slice_scatter(base, zeros({1, 2}), 0, 0, 4, 2); }, {"slice_scatter", "[1, 2]"});
  expect_error<ValueError>([&] { slice_scatter(base, zeros({4}), 0, 0, 4, 0); }, {"slice_scatter", "step"});
  expect_error<IndexError>([&] { slice_scatter(base, zeros({4}), 1); }, {"slice_scatter", "dimension 1"});
  expect_error<IndexError>([&] { slice_scatter(full({}, 1.0), full({}, 1.0)); }, {"slice_scatter", "0-d"});
}

}  // namespace
}  // namespace tessera
