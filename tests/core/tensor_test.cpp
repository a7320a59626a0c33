// Tensor basics across the core: metadata, contiguity of views, storage sharing, copies and conversions
// (ops/copy.h), item() and the error paths. Reference values: PyTorch 1.13 (expressions quoted per test).
#include "tessera/core/tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tessera/ops/copy.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/shape.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::expect_error;
using testing::values;

TEST(Tensor, Metadata) {
  Tensor x = empty({2, 3, 4}, kFloat64);
  EXPECT_TRUE(x.defined());
  EXPECT_EQ(x.dim(), 3);
  EXPECT_EQ(x.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(x.sizes(), x.shape());
  EXPECT_EQ(x.size(-1), 4);
  EXPECT_EQ(x.size(0), 2);
  EXPECT_EQ(x.strides(), (Strides{12, 4, 1}));
  EXPECT_EQ(x.stride(-3), 12);
  EXPECT_EQ(x.numel(), 24);
  EXPECT_EQ(x.dtype(), kFloat64);
  EXPECT_EQ(x.element_size(), 8u);
  EXPECT_TRUE(x.device().is_cpu());
  EXPECT_EQ(x.options().dtype(), kFloat64);
  EXPECT_EQ(x.storage_offset(), 0);
  EXPECT_EQ(x.storage()->nbytes(), 24u * 8u);
  EXPECT_TRUE(x.is_floating_point());
  EXPECT_FALSE(empty({2}, kInt32).is_floating_point());
  EXPECT_FALSE(x.is_symbolic());
  Tensor s = empty({});
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.dtype(), kFloat32);
  EXPECT_EQ(empty({3, 0}).numel(), 0);
  expect_error<IndexError>([&] { x.size(3); }, {"size", "3"});
  EXPECT_THROW(x.stride(-4), IndexError);
  expect_error<ValueError>([] { empty({2, -1}); }, {"empty", "[2, -1]"});
  Tensor u;
  EXPECT_FALSE(u.defined());
  EXPECT_THROW(u.shape(), Error);
  // Handles: a copy of the handle is the same tensor; a view is not.
  Tensor y = x;
  EXPECT_TRUE(y.is_same(x));
  EXPECT_FALSE(x.view({24}).is_same(x));
}

TEST(Tensor, ContiguityOfViews) {
  Tensor x = arange(24).view({2, 3, 4});
  EXPECT_TRUE(x.is_contiguous());
  EXPECT_FALSE(x.transpose(1, 2).is_contiguous());
  EXPECT_TRUE(x.slice(0, 1).is_contiguous());      // whole trailing rows
  EXPECT_FALSE(x.slice(2, 0, 2).is_contiguous());  // part of each row
  EXPECT_FALSE(x.slice(2, 0, 4, 2).is_contiguous());
  EXPECT_TRUE(x[1].is_contiguous());
  EXPECT_FALSE(x.select(2, 0).is_contiguous());
  EXPECT_FALSE(arange(3).expand({2, 3}).is_contiguous());
  EXPECT_TRUE(arange(3).expand({1, 3}).is_contiguous());  // size-1 dims' strides do not matter
  EXPECT_TRUE(x.unsqueeze(1).is_contiguous());
  EXPECT_TRUE(x.slice(1, 0, 0).is_contiguous());                      // empty
  EXPECT_FALSE(x.permute({1, 0, 2}).slice(0, 0, 1).is_contiguous());  // torch: False (stride 12 for size 2)
}

TEST(Tensor, ViewsShareData) {
  Tensor x = zeros({2, 3});
  Tensor v = x.t();
  v.data_ptr<float>()[v.stride(1)] = 5.0f;  // v[0][1] is x[1][0]
  EXPECT_EQ(values<float>(x), (std::vector<float>{0, 0, 0, 5, 0, 0}));
  x.data_ptr<float>()[2] = 7.0f;  // x[0][2] is v[2][0]
  EXPECT_EQ(v[2][0].item<float>(), 7.0f);
  EXPECT_EQ(x[1].storage(), x.storage());
  EXPECT_EQ(x[1].raw_data(), static_cast<char*>(x.raw_data()) + 3 * sizeof(float));
  Tensor m = make_view(x, {2}, {3}, 1);  // column 1
  EXPECT_EQ(values<float>(m), (std::vector<float>{0, 0}));
  m.data_ptr<float>()[3] = 1.0f;
  EXPECT_EQ(x[1][1].item<float>(), 1.0f);
}

TEST(Tensor, ContiguousAndClone) {
  Tensor x = arange(6).view({2, 3});
  Tensor c = x.contiguous();
  EXPECT_TRUE(c.is_same(x));  // already contiguous: no copy
  Tensor t = x.t().contiguous();
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_NE(t.storage(), x.storage());
  EXPECT_EQ(values<int64_t>(t), (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(contiguous(x).storage(), x.storage());
  Tensor k = x.clone();
  EXPECT_NE(k.storage(), x.storage());
  k.data_ptr<int64_t>()[0] = 42;
  EXPECT_EQ(x.data_ptr<int64_t>()[0], 0);
  Tensor kt = clone(x.t());  // clone of a view: contiguous, own storage
  EXPECT_TRUE(kt.is_contiguous());
  EXPECT_EQ(kt.shape(), (Shape{3, 2}));
  EXPECT_EQ(values<int64_t>(kt), (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(clone(zeros({0, 2})).shape(), (Shape{0, 2}));
  EXPECT_EQ(full({}, 3.0).clone().item<float>(), 3.0f);
}

// torch.tensor([1.7, -1.7, 2.5, -0.2, 0.0]).to(torch.int32) -> [1, -1, 2, 0, 0]; .bool() -> [T, T, T, T, F]
TEST(Tensor, ToDType) {
  Tensor x = tensor({1.7f, -1.7f, 2.5f, -0.2f, 0.0f});
  EXPECT_TRUE(x.to(kFloat32).is_same(x));
  Tensor i = x.to(kInt32);
  EXPECT_EQ(i.dtype(), kInt32);
  EXPECT_EQ(values<int32_t>(i), (std::vector<int32_t>{1, -1, 2, 0, 0}));
  EXPECT_EQ(values<int64_t>(to_dtype(x, kInt64)), (std::vector<int64_t>{1, -1, 2, 0, 0}));
  Tensor b = x.to(kBool);
  EXPECT_EQ(values<bool>(b), (std::vector<bool>{true, true, true, true, false}));
  EXPECT_EQ(values<float>(b.to(kFloat32)), (std::vector<float>{1, 1, 1, 1, 0}));
  EXPECT_TRUE(tensor({std::numeric_limits<float>::quiet_NaN()}).to(kBool).item<bool>());  // NaN is nonzero
  EXPECT_EQ(values<double>(tensor({1, 2}).to(kFloat64)), (std::vector<double>{1, 2}));
  EXPECT_EQ(values<uint8_t>(tensor({3.9f, 255.0f}).to(kUInt8)), (std::vector<uint8_t>{3, 255}));
  // float16 rounds: torch.tensor([0.1]).half().float() == 0.0999755859375
  EXPECT_EQ(tensor({0.1f}).to(kFloat16).to(kFloat32).item<float>(), 0.0999755859375f);
  EXPECT_EQ(tensor({3.140625f}).to(kBFloat16).to(kFloat64).item<double>(), 3.140625);
  // Non-contiguous source: the result is contiguous with the view's values.
  Tensor v = arange(6).view({2, 3}).t().to(kFloat32);
  EXPECT_TRUE(v.is_contiguous());
  EXPECT_EQ(values<float>(v), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(zeros({0}).to(kInt64).shape(), (Shape{0}));
}

TEST(Tensor, CopyBroadcastsAndConverts) {
  Tensor dst = zeros({2, 3});
  const int64_t version = dst.storage()->version();
  dst.copy_(tensor({1, 2, 3}));  // int32 row broadcast over float32 rows
  EXPECT_EQ(values<float>(dst), (std::vector<float>{1, 2, 3, 1, 2, 3}));
  EXPECT_GT(dst.storage()->version(), version);
  dst.copy_(full({}, 2.5, kFloat64));
  EXPECT_EQ(values<float>(dst), std::vector<float>(6, 2.5f));
  // Writing into a view writes into the base.
  Tensor x = zeros({2, 3}, kInt64);
  x.t().slice(0, 1).copy_(tensor({{1, 2}, {3, 4}}, kInt64));  // x[:, 1:] = [[1, 3], [2, 4]]
  EXPECT_EQ(values<int64_t>(x), (std::vector<int64_t>{0, 1, 3, 0, 2, 4}));
  x[0].copy_(tensor({9.9, 8.1, -7.5}));  // float64 -> int64 truncates
  EXPECT_EQ(values<int64_t>(x[0]), (std::vector<int64_t>{9, 8, -7}));
  Tensor& same = x.copy_(x.clone());
  EXPECT_TRUE(same.is_same(x));
  expect_error<ShapeError>([&] { x.copy_(zeros({3, 2})); }, {"copy_", "[3, 2]", "[2, 3]"});
  expect_error<ShapeError>([&] { x.copy_(zeros({2, 2, 3})); }, {"copy_", "[2, 2, 3]"});
}

TEST(Tensor, Item) {
  EXPECT_EQ(full({1, 1}, 2.5).item<double>(), 2.5);
  EXPECT_EQ(full({}, 7, kInt64).item<int64_t>(), 7);
  Scalar s = full({}, 7, kInt32).item();
  EXPECT_TRUE(s.is_integral());
  EXPECT_EQ(s.to_int64(), 7);
  EXPECT_TRUE(full({}, 2.0, kFloat64).item().is_floating_point());
  EXPECT_TRUE(full({}, true, kBool).item().is_bool());
  EXPECT_EQ(full({}, -2.75).item<int>(), -2);  // converts like a C++ cast
  EXPECT_EQ(tensor({1.5f}).to(kFloat16).item<float>(), 1.5f);
  EXPECT_EQ(arange(5)[3].item<int64_t>(), 3);
  expect_error<ValueError>([] { zeros({2}).item(); }, {"item", "[2]"});
  EXPECT_THROW(zeros({0}).item(), ValueError);
}

TEST(Tensor, DataPtrChecksTheDType) {
  Tensor x = zeros({2});
  EXPECT_NE(x.data_ptr<float>(), nullptr);
  EXPECT_EQ(x.data_ptr<const float>(), x.data_ptr<float>());
  expect_error<DTypeError>([&] { x.data_ptr<double>(); }, {"data_ptr", "float32", "float64"});
  EXPECT_THROW(x.data_ptr<int64_t>(), DTypeError);
  EXPECT_THROW(zeros({2}, kBool).data_ptr<uint8_t>(), DTypeError);
}

}  // namespace
}  // namespace tessera
