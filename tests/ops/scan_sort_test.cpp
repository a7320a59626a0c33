// cumsum, cumprod, sort, argsort, topk, kthvalue vs. PyTorch 1.13 (reference values written in).
#include "tessera/ops/scan_sort.h"

#include <gtest/gtest.h>

#include <limits>

#include "tessera/core/parallel.h"
#include "tessera/ops/registry.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::expect_close;
using testing::expect_error;
using testing::make;
using testing::transposed;
using testing::values;
using I = std::vector<int64_t>;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// x = torch.tensor([[3., 1., 2., 1.], [0.5, -2., 7., -2.], [4., 4., 4., -1.]])
Tensor x34() { return make<float>({3, 1, 2, 1, 0.5, -2, 7, -2, 4, 4, 4, -1}, {3, 4}); }

TEST(Cumsum, AlongEachDim) {
  Tensor c1 = cumsum(x34(), 1);
  EXPECT_EQ(c1.shape(), (Shape{3, 4}));
  EXPECT_EQ(c1.dtype(), kFloat32);
  expect_close(values<float>(c1), {3, 4, 6, 7, 0.5, -1.5, 5.5, 3.5, 4, 8, 12, 11});
  expect_close(values<float>(cumsum(x34(), 0)), {3, 1, 2, 1, 3.5, -1, 9, -1, 7.5, 3, 13, -2});
  expect_close(values<float>(cumsum(x34(), -2)), {3, 1, 2, 1, 3.5, -1, 9, -1, 7.5, 3, 13, -2});
  // x.t().cumsum(1): a transposed input.
  expect_close(values<float>(cumsum(transposed(x34(), 0, 1), 1)), {3, 3.5, 7.5, 1, -1, 3, 2, 9, 13, 1, -1, -2});
  expect_close(values<float>(cumsum(make<float>({1, kNaN, 2}, {3}), 0)), {1, kNaN, kNaN});
}

TEST(Cumsum, DtypesAndEdgeCases) {
  Tensor i = cumsum(make<int32_t>({1, 2, 3}, {3}), 0);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(i), (I{1, 3, 6}));
  EXPECT_EQ(values<int64_t>(cumsum(make<bool>({true, false, true}, {3}), 0)), (I{1, 1, 2}));
  EXPECT_EQ(values<int64_t>(cumprod(make<uint8_t>({100, 100, 100}, {3}), 0)), (I{100, 10000, 1000000}));
  Tensor f = cumsum(make<int64_t>({1, 2}, {2}), 0, kFloat32);
  EXPECT_EQ(f.dtype(), kFloat32);
  expect_close(values<float>(f), {1, 3});
  Tensor h = cumsum(make<Half>({Half(1.0f), Half(2.0f), Half(0.5f)}, {3}), 0);
  EXPECT_EQ(h.dtype(), kFloat16);
  expect_close(values<Half>(h), {1, 3, 3.5});
  Tensor s = cumsum(make<float>({5}, {}), 0);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<float>(), 5.0f);
  EXPECT_EQ(cumsum(empty({2, 0}), 1).shape(), (Shape{2, 0}));
  EXPECT_EQ(cumsum(empty({0, 3}), 1).shape(), (Shape{0, 3}));
  // Many inner columns (more than one block of running totals).
  std::vector<float> ones(3 * 300, 1.0f);
  std::vector<float> col = values<float>(cumsum(make(ones, {3, 300}), 0));
  EXPECT_EQ(col[299], 1.0f);
  EXPECT_EQ(col[300 + 299], 2.0f);
  EXPECT_EQ(col[600 + 17], 3.0f);
  expect_error<IndexError>([] { cumsum(x34(), 2); }, "cumsum: dimension 2 out of range");
  expect_error<IndexError>([] { cumprod(x34(), -3); }, "cumprod");
}

TEST(Cumprod, Values) {
  expect_close(values<float>(cumprod(x34(), 1)), {3, 3, 6, 6, 0.5, -1, -7, 14, 4, 16, 64, -64});
  expect_close(values<float>(cumprod(x34(), -2)), {3, 1, 2, 1, 1.5, -2, 14, -2, 6, -8, 56, 2});
  Tensor i = cumprod(make<int32_t>({3, 2}, {2}), 0);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(i), (I{3, 6}));
}

TEST(Sort, StableAscendingAndDescending) {
  auto [v, i] = sort(x34(), 1);
  expect_close(values<float>(v), {1, 1, 2, 3, -2, -2, 0.5, 7, -1, 4, 4, 4});
  EXPECT_EQ(values<int64_t>(i), (I{1, 3, 2, 0, 1, 3, 0, 2, 3, 0, 1, 2}));
  auto [vd, id] = sort(x34(), -1, /*descending=*/true);
  expect_close(values<float>(vd), {3, 2, 1, 1, 7, 0.5, -2, -2, 4, 4, 4, -1});
  EXPECT_EQ(values<int64_t>(id), (I{0, 2, 1, 3, 2, 0, 1, 3, 0, 1, 2, 3}));
  auto [v0, i0] = sort(x34(), 0);
  expect_close(values<float>(v0), {0.5, -2, 2, -2, 3, 1, 4, -1, 4, 4, 7, 1});
  EXPECT_EQ(values<int64_t>(i0), (I{1, 1, 0, 1, 0, 0, 2, 2, 2, 2, 1, 0}));
  // A transposed input sorts along the logical dim: x.t().sort(0) is x.sort(1) transposed.
  auto [vt, it] = sort(transposed(x34(), 0, 1), 0);
  EXPECT_EQ(vt.shape(), (Shape{4, 3}));
  EXPECT_EQ(values<int64_t>(it), (I{1, 1, 3, 3, 3, 0, 2, 0, 1, 0, 2, 2}));
  EXPECT_EQ(values<int64_t>(argsort(x34(), 1)), (I{1, 3, 2, 0, 1, 3, 0, 2, 3, 0, 1, 2}));
  EXPECT_EQ(values<int64_t>(argsort(x34(), 1, true)), (I{0, 2, 1, 3, 2, 0, 1, 3, 0, 1, 2, 3}));
}

// torch.sort(torch.tensor([1., nan, -3., inf])) and descending=True.
TEST(Sort, NaNAndDtypes) {
  Tensor t = make<float>({1, kNaN, -3, kInf}, {4});
  auto [v, i] = sort(t);
  expect_close(values<float>(v), {-3, 1, kInf, kNaN});
  EXPECT_EQ(values<int64_t>(i), (I{2, 0, 3, 1}));
  auto [vd, id] = sort(t, 0, true);
  expect_close(values<float>(vd), {kNaN, kInf, 1, -3});
  EXPECT_EQ(values<int64_t>(id), (I{1, 3, 0, 2}));
  auto [vb, ib] = sort(make<bool>({true, false}, {2}));
  EXPECT_EQ(values<bool>(vb), (std::vector<bool>{false, true}));
  EXPECT_EQ(values<int64_t>(ib), (I{1, 0}));
  auto [vi, ii] = sort(make<int32_t>({5, -1, 5, 0}, {4}), 0, true);
  EXPECT_EQ(vi.dtype(), kInt32);
  EXPECT_EQ(values<int32_t>(vi), (std::vector<int32_t>{5, 5, 0, -1}));
  EXPECT_EQ(values<int64_t>(ii), (I{0, 2, 3, 1}));
  auto [vh, ih] = sort(make<Half>({Half(0.5f), Half(-1.0f)}, {2}));
  EXPECT_EQ(vh.dtype(), kFloat16);
  expect_close(values<Half>(vh), {-1, 0.5});
  auto [v0, i0] = sort(make<float>({5}, {}));
  EXPECT_EQ(v0.dim(), 0);
  EXPECT_EQ(i0.item<int64_t>(), 0);
  auto [ve, ie] = sort(empty({0}));
  EXPECT_EQ(ve.shape(), (Shape{0}));
  EXPECT_EQ(ie.dtype(), kInt64);
  expect_error<IndexError>([] { sort(x34(), 2); }, "sort");
  expect_error<IndexError>([] { argsort(x34(), -3); }, "argsort");
}

TEST(Sort, LongLinesInParallelMatchOneThread) {
  std::vector<float> v(4 * 20000);
  for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<float>((k * 7919) % 1009);
  Tensor t = make(v, {4, 20000});
  const int saved = num_threads();
  set_num_threads(1);
  auto [v1, i1] = sort(t, 1);
  set_num_threads(4);
  auto [v4, i4] = sort(t, 1);
  set_num_threads(saved);
  EXPECT_EQ(values<int64_t>(i1), values<int64_t>(i4));
  std::vector<float> s = values<float>(v4);
  EXPECT_TRUE(std::is_sorted(s.begin(), s.begin() + 20000));
  EXPECT_EQ(s[0], 0.0f);
  EXPECT_EQ(s[19999], 1008.0f);
}

TEST(Topk, LargestSmallestAndTies) {
  auto [v, i] = topk(x34(), 2, 1);
  EXPECT_EQ(v.shape(), (Shape{3, 2}));
  expect_close(values<float>(v), {3, 2, 7, 0.5, 4, 4});
  // Equal values come out by index (PyTorch leaves their order unspecified; it gives [1, 2] for the last row).
  EXPECT_EQ(values<int64_t>(i), (I{0, 2, 2, 0, 0, 1}));
  auto [vs, is] = topk(x34(), 2, 0, /*largest=*/false);
  EXPECT_EQ(vs.shape(), (Shape{2, 4}));
  expect_close(values<float>(vs), {0.5, -2, 2, -2, 3, 1, 4, -1});
  EXPECT_EQ(values<int64_t>(is), (I{1, 1, 0, 1, 0, 0, 2, 2}));
  // torch.topk(torch.tensor([1., nan, -3., inf]), 2): NaN counts as largest.
  Tensor t = make<float>({1, kNaN, -3, kInf}, {4});
  auto [vn, in] = topk(t, 2);
  expect_close(values<float>(vn), {kNaN, kInf});
  EXPECT_EQ(values<int64_t>(in), (I{1, 3}));
  auto [vl, il] = topk(t, 2, 0, false);
  expect_close(values<float>(vl), {-3, 1});
  EXPECT_EQ(values<int64_t>(il), (I{2, 0}));
  auto [vz, iz] = topk(x34(), 0, 1);
  EXPECT_EQ(vz.shape(), (Shape{3, 0}));
  auto [v0, i0] = topk(make<float>({5}, {}), 1);
  EXPECT_EQ(v0.dim(), 0);
  EXPECT_EQ(v0.item<float>(), 5.0f);
  EXPECT_EQ(std::get<0>(topk(x34(), 4, 1, true, false)).shape(), (Shape{3, 4}));
  expect_error<ValueError>([] { topk(x34(), 5, 1); }, "topk: k = 5 is out of range for dimension 1 of size 4");
  expect_error<ValueError>([] { topk(x34(), -1); }, "topk");
  expect_error<ValueError>([] { topk(make<float>({5}, {}), 2); }, "topk");
  expect_error<IndexError>([] { topk(x34(), 1, 2); }, "topk");
}

TEST(Kthvalue, ValuesAndErrors) {
  auto [v, i] = kthvalue(x34(), 2, 1);
  EXPECT_EQ(v.shape(), (Shape{3}));
  expect_close(values<float>(v), {1, -2, 4});
  EXPECT_EQ(values<int64_t>(i), (I{3, 3, 0}));  // position k of the stable sort, as PyTorch
  auto [vk, ik] = kthvalue(x34(), 3, 0, /*keepdim=*/true);
  EXPECT_EQ(vk.shape(), (Shape{1, 4}));
  expect_close(values<float>(vk), {4, 4, 7, 1});
  EXPECT_EQ(values<int64_t>(ik), (I{2, 2, 1, 0}));
  auto [vn, in] = kthvalue(make<float>({kNaN, 2, 1}, {3}), 3);
  EXPECT_TRUE(std::isnan(vn.item<float>()));
  EXPECT_EQ(in.item<int64_t>(), 0);
  auto [v0, i0] = kthvalue(make<float>({3}, {}), 1);
  EXPECT_EQ(v0.item<float>(), 3.0f);
  EXPECT_EQ(i0.item<int64_t>(), 0);
  expect_error<ValueError>([] { kthvalue(x34(), 5, 1); }, "kthvalue: k = 5 is out of range");
  expect_error<ValueError>([] { kthvalue(x34(), 0, 1); }, "kthvalue");
  expect_error<ValueError>([] { kthvalue(empty({2, 0}), 1); }, "kthvalue");
  expect_error<IndexError>([] { kthvalue(x34(), 1, 3); }, "kthvalue");
}

TEST(ScanSort, DifferentiabilityMarks) {
  EXPECT_FALSE(op("argsort").differentiable());
  for (const char* name : {"cumsum", "cumprod", "sort", "topk", "kthvalue"}) {
    EXPECT_TRUE(op(name).differentiable()) << name;
    EXPECT_TRUE(op(name).has_kernel(kCPU)) << name;
  }
}

}  // namespace
}  // namespace tessera
