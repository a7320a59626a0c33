// View ops: view, reshape, permute/transpose/t/movedim, slice/narrow/select, expand, squeeze/unsqueeze,
// flatten/unflatten, as_strided. Reference values: PyTorch 1.13 (the expressions are quoted per test).
#include "tessera/ops/shape.h"

#include <gtest/gtest.h>

#include "tessera/ops/copy.h"
#include "tessera/ops/creation.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::expect_error;
using testing::ivalues;
using testing::values;

bool shares_storage(const Tensor& a, const Tensor& b) { return a.storage() == b.storage(); }

// x = torch.arange(6).view(2, 3): [[0, 1, 2], [3, 4, 5]].
Tensor arange23() { return arange(6).view({2, 3}); }

TEST(View, SharesStorageAndInfersMinusOne) {
  Tensor x = arange(12);
  Tensor v = x.view({3, -1});
  EXPECT_EQ(v.shape(), (Shape{3, 4}));
  EXPECT_EQ(v.strides(), (Strides{4, 1}));
  EXPECT_TRUE(shares_storage(v, x));
  v.data_ptr<int64_t>()[5] = 100;  // writing through the view is seen by the base
  EXPECT_EQ(x.data_ptr<int64_t>()[5], 100);
  EXPECT_EQ(view(x, {2, 2, 3}).shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(x.view({-1}).shape(), (Shape{12}));
  // 0-d <-> one element, and zero-size shapes.
  Tensor s = full({}, 7.0);
  EXPECT_EQ(s.view({1, 1}).shape(), (Shape{1, 1}));
  EXPECT_EQ(s.view({1}).view({}).item<float>(), 7.0f);
  EXPECT_EQ(zeros({0, 3}).view({3, 0, 5}).shape(), (Shape{3, 0, 5}));
}

TEST(View, NonContiguousInputs) {
  // torch.arange(6).view(2, 3).t().view(6) fails; splitting or merging within a contiguous chunk works.
  Tensor xt = arange23().t();
  expect_error<ShapeError>([&] { xt.view({6}); }, {"view", "not compatible", "reshape", "[3, 2]"});
  Tensor y = arange(24).view({2, 3, 4}).permute({1, 0, 2});  // [3, 2, 4], strides [4, 12, 1]
  Tensor v = y.view({3, 2, 2, 2});
  EXPECT_EQ(v.strides(), (Strides{4, 12, 2, 1}));
  EXPECT_EQ(ivalues(v), ivalues(y));
  // Expanded tensors view along size-1 and broadcast dims.
  Tensor e = arange(4).expand({3, 4});
  EXPECT_EQ(e.view({3, 1, 4}).strides(), (Strides{0, 4, 1}));
  EXPECT_THROW(e.view({12}), ShapeError);
  // A slice with a step keeps its step.
  Tensor s = arange(10).slice(0, 0, 10, 2).view({5, 1});
  EXPECT_EQ(ivalues(s), (std::vector<int64_t>{0, 2, 4, 6, 8}));
}

TEST(View, Errors) {
  Tensor x = arange(6);
  expect_error<ShapeError>([&] { x.view({4, -1}); }, {"view", "[4, -1]", "6"});
  expect_error<ShapeError>([&] { x.view({4}); }, {"view", "[4]", "size 6"});
  expect_error<ValueError>([&] { x.view({-1, -1}); }, {"view", "only one dimension"});
  expect_error<ValueError>([&] { x.view({-2, -3}); }, {"view", "-2"});
  expect_error<ShapeError>([&] { zeros({0, 3}).view({0, -1}); }, {"view", "ambiguous"});
}

TEST(Reshape, ViewWhenPossibleElseCopy) {
  Tensor x = arange23();
  Tensor r = x.reshape({3, 2});
  EXPECT_TRUE(shares_storage(r, x));
  Tensor xt = x.t();
  Tensor c = xt.reshape({-1});  // torch.arange(6).view(2, 3).t().reshape(-1)
  EXPECT_FALSE(shares_storage(c, x));
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(ivalues(c), (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(reshape(x, {6}).shape(), (Shape{6}));
  EXPECT_EQ(reshape(full({}, 1.0), {1, 1, 1}).shape(), (Shape{1, 1, 1}));
  expect_error<ShapeError>([&] { zeros({3}).reshape({-1, 0}); }, {"reshape", "[-1, 0]"});
}

TEST(Permute, TransposeTMovedim) {
  Tensor x = arange(24).view({2, 3, 4});
  Tensor p = x.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.strides(), (Strides{1, 12, 4}));
  EXPECT_FALSE(p.is_contiguous());
  EXPECT_TRUE(shares_storage(p, x));
  // torch.arange(24).view(2, 3, 4).permute(2, 0, 1)[1].flatten()
  EXPECT_EQ(ivalues(p[1]), (std::vector<int64_t>{1, 5, 9, 13, 17, 21}));
  EXPECT_EQ(permute(x, {-1, 0, 1}).shape(), (Shape{4, 2, 3}));
  Tensor t01 = x.transpose(0, -1);
  EXPECT_EQ(t01.shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(t01.strides(), (Strides{1, 4, 12}));
  EXPECT_EQ(ivalues(arange23().t()), (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(t(arange(3)).shape(), (Shape{3}));
  EXPECT_EQ(full({}, 1.0).t().shape(), Shape{});
  EXPECT_EQ(transpose(full({}, 1.0), 0, -1).shape(), Shape{});
  // torch.movedim(torch.zeros(2, 3, 4), 0, 2).shape == (3, 4, 2); movedim(x, (0, 1), (2, 0)) -> (3, 4, 2)
  EXPECT_EQ(movedim(x, 0, 2).shape(), (Shape{3, 4, 2}));
  EXPECT_EQ(movedim(x, {0, 1}, {2, 0}).shape(), (Shape{3, 4, 2}));
  EXPECT_EQ(movedim(x, {2}, {0}).strides(), (Strides{1, 12, 4}));
  expect_error<ValueError>([&] { x.permute({0, 1}); }, {"permute", "[0, 1]", "[2, 3, 4]"});
  expect_error<ValueError>([&] { x.permute({0, 1, 1}); }, {"permute", "more than once"});
  expect_error<IndexError>([&] { x.permute({0, 1, 3}); }, {"permute", "3"});
  expect_error<ShapeError>([&] { x.t(); }, {"t:", "[2, 3, 4]"});
  EXPECT_THROW(x.transpose(0, 3), IndexError);
  EXPECT_THROW(movedim(x, {0, 1}, {2}), ValueError);
  EXPECT_THROW(movedim(x, {0, 0}, {1, 2}), ValueError);
}

// Reference: Python slicing of list(range(10)).
TEST(Slice, PythonBounds) {
  Tensor x = arange(10);
  using V = std::vector<int64_t>;
  EXPECT_EQ(ivalues(x.slice(0, -3)), (V{7, 8, 9}));
  EXPECT_EQ(ivalues(x.slice(0, 2, 8, 3)), (V{2, 5}));
  EXPECT_EQ(ivalues(x.slice(0, {}, -7)), (V{0, 1, 2}));
  EXPECT_EQ(ivalues(x.slice(0, -100, 100, 4)), (V{0, 4, 8}));
  EXPECT_EQ(x.slice(0, 8, 2).numel(), 0);
  EXPECT_EQ(x.slice(0, 20, 30).shape(), (Shape{0}));
  Tensor s = x.slice(0, 1, {}, 3);  // x[1::3]
  EXPECT_EQ(s.storage_offset(), 1);
  EXPECT_EQ(s.strides(), (Strides{3}));
  EXPECT_EQ(ivalues(s), (V{1, 4, 7}));
  EXPECT_THROW(x.slice(0, 0, 5, 0), ValueError);
  expect_error<ValueError>([&] { slice(x, 0, 0, 5, -1); }, {"slice", "step", "-1"});
  EXPECT_THROW(x.slice(1), IndexError);
  EXPECT_THROW(full({}, 1.0).slice(0), IndexError);
}

TEST(Slice, TwoDimsAndWritesThrough) {
  Tensor x = arange(12).view({3, 4});
  Tensor s = x.slice(1, 1, {}, 2).slice(0, -2);  // x[-2:, 1::2]
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  EXPECT_EQ(ivalues(s), (std::vector<int64_t>{5, 7, 9, 11}));
  s.data_ptr<int64_t>()[0] = -1;
  EXPECT_EQ(x.data_ptr<int64_t>()[5], -1);
  // Slicing a transposed view.
  EXPECT_EQ(ivalues(x.t().slice(0, 1, 3)), (std::vector<int64_t>{1, -1, 9, 2, 6, 10}));
}

TEST(Narrow, Basics) {
  Tensor x = arange23();
  EXPECT_EQ(ivalues(x.narrow(1, 1, 2)), (std::vector<int64_t>{1, 2, 4, 5}));
  EXPECT_EQ(narrow(x, 1, -1, 1).shape(), (Shape{2, 1}));  // torch: start -1 counts from the end
  EXPECT_EQ(x.narrow(0, 2, 0).shape(), (Shape{0, 3}));
  expect_error<IndexError>([&] { x.narrow(1, 2, 2); }, {"narrow", "exceeds", "3"});
  expect_error<IndexError>([&] { x.narrow(1, 4, 0); }, {"narrow", "start 4"});
  EXPECT_THROW(x.narrow(1, 0, -1), ValueError);
}

TEST(Select, BasicsAndErrors) {
  Tensor x = arange23();
  EXPECT_EQ(ivalues(x.select(1, -1)), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(ivalues(x[1]), (std::vector<int64_t>{3, 4, 5}));
  Tensor e = x[1][2];
  EXPECT_EQ(e.dim(), 0);
  EXPECT_EQ(e.item<int64_t>(), 5);
  EXPECT_EQ(e.storage_offset(), 5);
  EXPECT_EQ(ivalues(select(x.t(), 0, 2)), (std::vector<int64_t>{2, 5}));
  expect_error<IndexError>([&] { x.select(1, 3); }, {"select", "index 3", "size 3"});
  expect_error<IndexError>([&] { x.select(0, -3); }, {"select", "index -3", "size 2"});
  expect_error<IndexError>([&] { e.select(0, 0); }, {"select", "0-d"});
  EXPECT_THROW(x.select(2, 0), IndexError);
  EXPECT_THROW(zeros({0}).select(0, 0), IndexError);
}

TEST(Expand, StridesAndValues) {
  Tensor x = arange(3).view({3, 1});
  Tensor e = x.expand({2, 3, 4});
  EXPECT_EQ(e.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(e.strides(), (Strides{0, 1, 0}));
  EXPECT_TRUE(shares_storage(e, x));
  EXPECT_EQ(ivalues(e[1][2]), (std::vector<int64_t>{2, 2, 2, 2}));
  EXPECT_EQ(x.expand({-1, 2}).shape(), (Shape{3, 2}));
  EXPECT_EQ(broadcast_to(full({}, 1.0), {2, 2}).strides(), (Strides{0, 0}));
  EXPECT_EQ(x.broadcast_to({3, 0}).shape(), (Shape{3, 0}));
  EXPECT_EQ(expand(x, {0, 3, 1}).numel(), 0);
  expect_error<ShapeError>([&] { x.expand({2, 4}); }, {"expand", "[3, 1]", "[2, 4]"});
  expect_error<ShapeError>([&] { x.expand({3}); }, {"expand", "[3, 1]", "[3]"});
  expect_error<ShapeError>([&] { x.expand({-1, 3, 1}); }, {"expand", "leading"});
}

TEST(Squeeze, UnsqueezeFlattenUnflatten) {
  Tensor x = zeros({1, 3, 1, 2});
  EXPECT_EQ(x.squeeze().shape(), (Shape{3, 2}));
  EXPECT_EQ(x.squeeze(2).shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(x.squeeze(1).shape(), (Shape{1, 3, 1, 2}));  // size 3: unchanged
  EXPECT_EQ(squeeze(full({}, 1.0), 0).shape(), Shape{});
  EXPECT_EQ(x.unsqueeze(-1).shape(), (Shape{1, 3, 1, 2, 1}));
  EXPECT_EQ(unsqueeze(full({}, 1.0), 0).shape(), Shape{1});
  Tensor y = arange23();
  EXPECT_EQ(y.unsqueeze(1).strides()[0], 3);
  EXPECT_TRUE(shares_storage(y.t().unsqueeze(0), y));
  EXPECT_THROW(x.squeeze(4), IndexError);
  EXPECT_THROW(y.unsqueeze(3), IndexError);
  Tensor z = arange(24).view({2, 3, 4});
  EXPECT_EQ(z.flatten().shape(), (Shape{24}));
  EXPECT_EQ(z.flatten(1).shape(), (Shape{2, 12}));
  EXPECT_EQ(flatten(z, 0, 1).shape(), (Shape{6, 4}));
  EXPECT_TRUE(z.flatten(1, 1).is_same(z));
  EXPECT_EQ(full({}, 2.0).flatten().shape(), Shape{1});
  Tensor zt = z.transpose(0, 2).flatten();  // needs a copy
  EXPECT_FALSE(shares_storage(zt, z));
  EXPECT_EQ(ivalues(zt.slice(0, 0, 4)), (std::vector<int64_t>{0, 12, 4, 16}));
  expect_error<ValueError>([&] { z.flatten(2, 0); }, {"flatten", "start_dim"});
  EXPECT_EQ(unflatten(z, 2, {2, -1}).shape(), (Shape{2, 3, 2, 2}));
  EXPECT_EQ(unflatten(z.transpose(0, 2), 0, {2, 2}).shape(), (Shape{2, 2, 3, 2}));
  expect_error<ShapeError>([&] { unflatten(arange(6), 0, {4, -1}); }, {"unflatten", "[4, -1]", "6"});
  expect_error<ValueError>([&] { unflatten(arange(6), 0, {}); }, {"unflatten", "non-empty"});
}

TEST(AsStrided, WindowsAndBounds) {
  Tensor x = arange(6);
  // torch.arange(6).as_strided((4, 3), (1, 1)): sliding windows.
  Tensor w = x.as_strided({4, 3}, {1, 1});
  EXPECT_EQ(ivalues(w), (std::vector<int64_t>{0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 5}));
  EXPECT_TRUE(shares_storage(w, x));
  EXPECT_EQ(ivalues(as_strided(x, {2}, {2}, 3)), (std::vector<int64_t>{3, 5}));
  // The default offset is the input's own offset, in the whole storage.
  EXPECT_EQ(ivalues(x.slice(0, 2).as_strided({2}, {1})), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(x.as_strided({0, 5}, {100, 100}, 6).numel(), 0);
  expect_error<IndexError>([&] { x.as_strided({2, 4}, {1, 1}, 2); }, {"as_strided", "[2, 4]", "6"});
  expect_error<IndexError>([&] { x.slice(0, 3).as_strided({4}, {1}); }, {"as_strided", "offset 3"});
  expect_error<ValueError>([&] { x.as_strided({2, 3}, {-1, 1}); }, {"as_strided", "negative stride"});
  expect_error<ValueError>([&] { x.as_strided({2, 3}, {1}); }, {"as_strided", "length"});
  expect_error<ValueError>([&] { x.as_strided({2}, {1}, -1); }, {"as_strided", "offset"});
  EXPECT_THROW(x.as_strided({-2}, {1}), ValueError);
}

TEST(Views, WorkForEveryDType) {
  for (DType d : {kBool, kUInt8, kInt32, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64}) {
    Tensor x = arange(6, d == kBool ? kInt64 : d).to(d).view({2, 3});
    Tensor y = x.t().slice(0, 1).reshape({4}).to(kFloat64);
    std::vector<double> expect = d == kBool ? std::vector<double>{1, 1, 1, 1} : std::vector<double>{1, 4, 2, 5};
    EXPECT_EQ(values<double>(y), expect) << d;
  }
}

}  // namespace
}  // namespace tessera
