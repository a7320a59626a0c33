#include "tessera/ops/creation.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tessera/ops/copy.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::values;

TEST(Creation, FullZerosOnes) {
  Tensor z = zeros({2, 3});
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(z.dtype(), kFloat32);
  EXPECT_EQ(values<float>(z), std::vector<float>(6, 0.0f));
  EXPECT_EQ(values<double>(ones({4}, kFloat64)), std::vector<double>(4, 1.0));
  EXPECT_EQ(values<int64_t>(full({2}, 7, kInt64)), (std::vector<int64_t>{7, 7}));
  EXPECT_EQ(values<float>(full({}, 2.5)), std::vector<float>{2.5f});  // 0-d
  EXPECT_EQ(full({0, 3}, 1.0).numel(), 0);
  EXPECT_THROW(zeros({2, -1}), ValueError);
}

// TensorOptions::requires_grad makes a leaf that requires grad (torch.zeros(3, requires_grad=True)), for every
// creation function that takes options; an integer dtype cannot (as PyTorch's "only floating point" error).
TEST(Creation, OptionsRequiresGradMakesALeafThatRequiresGrad) {
  const TensorOptions grad = TensorOptions(kFloat64).requires_grad(true);
  for (const Tensor& t : {zeros({3}, grad), ones({3}, grad), full({3}, 2.0, grad), arange(0, 3, 1, grad),
                          linspace(0, 1, 3, grad), eye(3, {}, grad), rand({3}, grad), randn({3}, grad)}) {
    EXPECT_TRUE(t.requires_grad());
    EXPECT_TRUE(t.is_leaf());
    EXPECT_EQ(t.dtype(), kFloat64);
  }
  Tensor w = ones({3}, grad);
  (w * w).sum().backward();
  EXPECT_EQ(values<double>(w.grad()), (std::vector<double>{2, 2, 2}));
  EXPECT_FALSE(zeros({3}, kFloat64).requires_grad());
  EXPECT_FALSE(zeros_like(w).requires_grad());  // *_like takes the dtype and device, not requires_grad (as PyTorch)
  EXPECT_THROW(zeros({3}, TensorOptions(kInt64).requires_grad(true)), Error);
}

TEST(Creation, LikeFunctionsKeepShapeAndDType) {
  Tensor x = ones({3, 1}, kInt32);
  Tensor z = zeros_like(x);
  EXPECT_EQ(z.shape(), x.shape());
  EXPECT_EQ(z.dtype(), kInt32);
  EXPECT_EQ(values<int32_t>(full_like(x, 4)), (std::vector<int32_t>{4, 4, 4}));
  EXPECT_EQ(ones_like(x, kFloat64).dtype(), kFloat64);
}

// Reference: torch.arange(5), torch.arange(1, 2, 0.25), torch.arange(10, 0, -3), torch.linspace(-1, 1, 5).
TEST(Creation, ArangeAndLinspace) {
  Tensor a = arange(5);
  EXPECT_EQ(a.dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(a), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  Tensor b = arange(1, 2, 0.25);
  EXPECT_EQ(b.dtype(), kFloat32);
  EXPECT_EQ(values<float>(b), (std::vector<float>{1.0f, 1.25f, 1.5f, 1.75f}));
  EXPECT_EQ(values<int64_t>(arange(10, 0, -3)), (std::vector<int64_t>{10, 7, 4, 1}));
  EXPECT_EQ(values<double>(arange(3, kFloat64)), (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(arange(0).numel(), 0);
  EXPECT_EQ(values<float>(linspace(-1, 1, 5)), (std::vector<float>{-1.0f, -0.5f, 0.0f, 0.5f, 1.0f}));
  EXPECT_EQ(values<double>(linspace(0, 1, 1, kFloat64)), std::vector<double>{0.0});
  // The last value is exact even when the step is not representable.
  EXPECT_EQ(values<double>(linspace(0, 0.3, 4, kFloat64)).back(), 0.3);
  EXPECT_THROW(arange(0, 5, 0), ValueError);
  EXPECT_THROW(arange(5, 0, 1), ValueError);
  EXPECT_THROW(linspace(0, 1, -1), ValueError);
}

TEST(Creation, Eye) {
  EXPECT_EQ(values<float>(eye(2)), (std::vector<float>{1, 0, 0, 1}));
  Tensor e = eye(2, 3, kInt64);
  EXPECT_EQ(e.shape(), (Shape{2, 3}));
  EXPECT_EQ(values<int64_t>(e), (std::vector<int64_t>{1, 0, 0, 0, 1, 0}));
  EXPECT_THROW(eye(-1), ValueError);
}

TEST(Creation, FromVectorAndNestedLists) {
  Tensor v = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, Shape{2, 3});
  EXPECT_EQ(v.dtype(), kFloat64);
  EXPECT_EQ(v.shape(), (Shape{2, 3}));
  EXPECT_THROW(v.item(), ValueError);
  Tensor m = tensor({{1.0f, 2.0f}, {3.0f, 4.0f}});
  EXPECT_EQ(m.shape(), (Shape{2, 2}));
  EXPECT_EQ(m.dtype(), kFloat32);
  EXPECT_EQ(values<float>(m), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(tensor({1, 2, 3}).dtype(), kInt32);
  EXPECT_EQ(tensor({int64_t{1}, int64_t{2}}).dtype(), kInt64);
  Tensor b = tensor({true, false, true});
  EXPECT_EQ(b.dtype(), kBool);
  EXPECT_EQ(values<bool>(b), (std::vector<bool>{true, false, true}));
  Tensor c = tensor({{{1, 2}}, {{3, 4}}}, kFloat64);
  EXPECT_EQ(c.shape(), (Shape{2, 1, 2}));
  EXPECT_EQ(values<double>(c), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_THROW(tensor({{1, 2}, {3}}), ShapeError);
  EXPECT_THROW(from_vector(std::vector<float>{1, 2, 3}, Shape{2, 2}), ShapeError);
}

TEST(Creation, ScalarTensorAndFill) {
  EXPECT_EQ(scalar_tensor(3).dtype(), kInt64);
  EXPECT_EQ(scalar_tensor(2.5).item<double>(), 2.5);
  EXPECT_EQ(scalar_tensor(true).dtype(), kBool);
  Tensor x = zeros({2, 2});
  x.fill_(1.5);
  EXPECT_EQ(values<float>(x), std::vector<float>(4, 1.5f));
  int64_t v0 = x.storage()->version();
  x.zero_();
  EXPECT_EQ(values<float>(x), std::vector<float>(4, 0.0f));
  EXPECT_GT(x.storage()->version(), v0);
}

}  // namespace
}  // namespace tessera
