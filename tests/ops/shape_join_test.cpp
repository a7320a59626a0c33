// cat, stack, split, chunk, unbind. Reference values: PyTorch 1.13 (the expressions are quoted per test).
#include <gtest/gtest.h>

#include "tessera/ops/copy.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/shape.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::expect_error;
using testing::ivalues;
using testing::values;

using V = std::vector<int64_t>;

std::vector<Shape> shapes(const std::vector<Tensor>& ts) {
  std::vector<Shape> s;
  for (const Tensor& t : ts) s.push_back(t.shape());
  return s;
}

TEST(Cat, DimsPromotionAndNonContiguousInputs) {
  Tensor a = arange(6).view({2, 3});
  Tensor b = arange(10, 14, 1, kFloat64).view({2, 2});
  // torch.cat([a, b.double()], 1)
  Tensor c = cat({a, b}, 1);
  EXPECT_EQ(c.dtype(), kFloat64);
  EXPECT_EQ(values<double>(c), (std::vector<double>{0, 1, 2, 10, 11, 3, 4, 5, 12, 13}));
  EXPECT_EQ(cat({a, b}, -1).shape(), (Shape{2, 5}));
  // torch.cat([a.t(), torch.tensor([[7, 8]], dtype=torch.int32)], 0) is int64
  Tensor d = cat({a.t(), tensor({{7, 8}})}, 0);
  EXPECT_EQ(d.dtype(), kInt64);
  EXPECT_EQ(ivalues(d), (V{0, 3, 1, 4, 2, 5, 7, 8}));
  // Expanded and stepped inputs.
  Tensor e = cat({arange(2).expand({2, 2}), arange(10).slice(0, 0, 4, 2).view({1, 2})});
  EXPECT_EQ(ivalues(e), (V{0, 1, 0, 1, 0, 2}));
  // torch.cat([torch.tensor([True]), torch.tensor([2], dtype=torch.uint8)]) -> uint8 [1, 2]
  Tensor f = cat({tensor({true}), tensor({uint8_t{2}})});
  EXPECT_EQ(f.dtype(), kUInt8);
  EXPECT_EQ(values<uint8_t>(f), (std::vector<uint8_t>{1, 2}));
  EXPECT_EQ(ivalues(cat({a})), ivalues(a));
  EXPECT_FALSE(cat({a}).storage() == a.storage());  // always a new tensor
}

TEST(Cat, EmptyTensors) {
  Tensor a = arange(6).view({2, 3});
  // 1-d empty tensors are skipped but promote: torch.cat([torch.tensor([], dtype=float64), a], 1)
  Tensor c = cat({zeros({0}, kFloat64), a, zeros({0})}, 1);
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  EXPECT_EQ(c.dtype(), kFloat64);
  EXPECT_EQ(cat({zeros({0}), zeros({0})}).shape(), (Shape{0}));
  EXPECT_EQ(ivalues(cat({zeros({0, 3}, kInt64), a})), ivalues(a));
  EXPECT_EQ(cat({zeros({2, 0}), zeros({2, 0})}, 1).shape(), (Shape{2, 0}));
}

TEST(Cat, LargeInputsUseTheParallelCopy) {
  Tensor a = arange(100000).view({1000, 100});
  Tensor c = cat({a, a.slice(1, 0, 50)}, 1);
  EXPECT_EQ(c.shape(), (Shape{1000, 150}));
  EXPECT_EQ(c[999][149].item<int64_t>(), 99949);
  EXPECT_EQ(c[500][99].item<int64_t>(), 50099);
}

TEST(Cat, Errors) {
  Tensor a = zeros({2, 3});
  expect_error<ValueError>([&] { cat({}); }, {"cat", "non-empty"});
  expect_error<ShapeError>(
      [&] {
        cat({a, zeros({3, 3})}, 1);
      },
      {"cat", "dimension 1", "tensor 0", "[2, 3]", "tensor 1", "[3, 3]"});
  expect_error<ShapeError>([&] { cat({a, zeros({3})}, 1); }, {"cat", "number of dimensions", "[3]"});
  expect_error<ShapeError>([&] { cat({full({}, 1.0)}); }, {"cat", "zero-dimensional", "position 0"});
  expect_error<IndexError>([&] { cat({a, a}, 2); }, {"cat", "2"});
}

TEST(Stack, NewDim) {
  Tensor a = arange(6).view({2, 3});
  Tensor b = arange(10, 16).view({2, 3});
  // torch.stack([a, b], 2)[1] == [[3, 13], [4, 14], [5, 15]]
  Tensor s = stack({a, b}, 2);
  EXPECT_EQ(s.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(ivalues(s[1]), (V{3, 13, 4, 14, 5, 15}));
  EXPECT_EQ(stack({a, b}).shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(stack({a, b}, -1).shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(ivalues(stack({full({}, 1, kInt64), full({}, 2, kInt64)})), (V{1, 2}));
  EXPECT_EQ(stack({zeros({0}), zeros({0})}).shape(), (Shape{2, 0}));
  expect_error<ShapeError>([&] { stack({zeros({2}), zeros({3})}); }, {"stack", "[2]", "entry 0", "[3]", "entry 1"});
  EXPECT_THROW(stack({}), ValueError);
  EXPECT_THROW(stack({a}, 3), IndexError);
}

TEST(Split, SizesAndViews) {
  Tensor x = arange(10).view({5, 2});
  std::vector<Tensor> p = split(x, 2);
  EXPECT_EQ(shapes(p), (std::vector<Shape>{{2, 2}, {2, 2}, {1, 2}}));
  EXPECT_EQ(ivalues(p[2]), (V{8, 9}));
  EXPECT_EQ(p[1].storage(), x.storage());
  EXPECT_EQ(p[1].storage_offset(), 4);
  p[2].data_ptr<int64_t>()[1] = -9;
  EXPECT_EQ(x[4][1].item<int64_t>(), -9);
  std::vector<Tensor> q = split(x, std::vector<int64_t>{1, 0, 4});
  EXPECT_EQ(shapes(q), (std::vector<Shape>{{1, 2}, {0, 2}, {4, 2}}));
  std::vector<Tensor> r = split(x.t(), 1, 0);  // along a transposed dim
  EXPECT_EQ(ivalues(r[1]), (V{1, 3, 5, 7, -9}));
  EXPECT_EQ(shapes(split(x, 3, -1)), (std::vector<Shape>{{5, 2}}));
  EXPECT_EQ(shapes(split(zeros({0}), 3)), (std::vector<Shape>{{0}}));  // torch.split(torch.zeros(0), 3)
  EXPECT_EQ(split(zeros({0}), 0).size(), 1u);
  expect_error<ShapeError>([&] { split(arange(5), std::vector<int64_t>{2, 2}); }, {"split", "[2, 2]", "sum to 5"});
  expect_error<ValueError>([&] { split(arange(5), 0); }, {"split", "0"});
  EXPECT_THROW(split(arange(5), -1), ValueError);
  EXPECT_THROW(split(arange(5), std::vector<int64_t>{6, -1}), ValueError);
  EXPECT_THROW(split(full({}, 1.0), 1), ShapeError);
  EXPECT_THROW(split(x, 1, 2), IndexError);
}

// torch.chunk(torch.zeros(5), 3) -> [2, 2, 1]; chunk(zeros(6), 4) -> [2, 2, 2]; chunk(zeros(0), 3) -> 3 x [0].
TEST(Chunk, LikePyTorch) {
  auto sizes = [](const std::vector<Tensor>& ts) {
    V s;
    for (const Tensor& t : ts) s.push_back(t.size(0));
    return s;
  };
  EXPECT_EQ(sizes(chunk(zeros({5}), 3)), (V{2, 2, 1}));
  EXPECT_EQ(sizes(chunk(zeros({6}), 4)), (V{2, 2, 2}));
  EXPECT_EQ(sizes(chunk(zeros({0}), 3)), (V{0, 0, 0}));
  EXPECT_EQ(sizes(chunk(zeros({2, 7}).t(), 2)), (V{4, 3}));
  EXPECT_EQ(chunk(zeros({2, 7}), 2, 1)[1].shape(), (Shape{2, 3}));
  expect_error<ValueError>([&] { chunk(zeros({6}), 0); }, {"chunk", "0"});
  EXPECT_THROW(chunk(full({}, 1.0), 1), ShapeError);
}

TEST(Unbind, Views) {
  Tensor x = arange(6).view({2, 3});
  std::vector<Tensor> u = unbind(x, 1);
  ASSERT_EQ(u.size(), 3u);
  EXPECT_EQ(ivalues(u[2]), (V{2, 5}));
  EXPECT_EQ(u[2].storage(), x.storage());
  std::vector<Tensor> r = unbind(x);
  EXPECT_EQ(ivalues(r[1]), (V{3, 4, 5}));
  EXPECT_TRUE(unbind(zeros({0, 3})).empty());
  EXPECT_EQ(unbind(arange(3))[2].dim(), 0);
  EXPECT_THROW(unbind(full({}, 1.0)), IndexError);
  EXPECT_THROW(unbind(x, 2), IndexError);
}

}  // namespace
}  // namespace tessera
