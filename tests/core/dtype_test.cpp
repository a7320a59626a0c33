#include "tessera/core/dtype.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace tessera {
namespace {

TEST(DType, ItemsizeAndNames) {
  EXPECT_EQ(itemsize(kFloat32), 4u);
  EXPECT_EQ(itemsize(kFloat64), 8u);
  EXPECT_EQ(itemsize(kBFloat16), 2u);
  EXPECT_EQ(itemsize(kBool), 1u);
  EXPECT_EQ(dtype_name(kInt64), "int64");
  EXPECT_EQ(dtype_name(kBFloat16), "bfloat16");
}

// Reference: torch.promote_types (PyTorch 1.13).
TEST(DType, PromotionMatchesPyTorch) {
  EXPECT_EQ(promote_types(kBool, kUInt8), kUInt8);
  EXPECT_EQ(promote_types(kUInt8, kInt32), kInt32);
  EXPECT_EQ(promote_types(kInt32, kInt64), kInt64);
  EXPECT_EQ(promote_types(kInt64, kFloat16), kFloat16);
  EXPECT_EQ(promote_types(kInt64, kBFloat16), kBFloat16);
  EXPECT_EQ(promote_types(kFloat16, kBFloat16), kFloat32);
  EXPECT_EQ(promote_types(kBFloat16, kFloat32), kFloat32);
  EXPECT_EQ(promote_types(kFloat32, kFloat64), kFloat64);
  EXPECT_EQ(promote_types(kBool, kBool), kBool);
  EXPECT_EQ(promote_types(kFloat64, kBool), kFloat64);
}

// Reference bit patterns: numpy.float16(x).view(numpy.uint16) and torch.tensor(x).bfloat16().view(torch.int16).
TEST(Half, RoundTripAndRounding) {
  EXPECT_EQ(Half(1.0f).bits, 0x3c00);
  EXPECT_EQ(Half(-2.0f).bits, 0xc000);
  EXPECT_EQ(Half(65504.0f).bits, 0x7bff);
  EXPECT_EQ(Half(65520.0f).bits, 0x7c00);  // rounds up to Inf
  EXPECT_EQ(Half(5.9604645e-08f).bits, 0x0001);  // smallest subnormal
  EXPECT_EQ(Half(1.0009765625f).bits, 0x3c01);
  EXPECT_EQ(Half(1.00048828125f).bits, 0x3c00);  // tie rounds to even
  EXPECT_EQ(Half(0.1f).bits, 0x2e66);
  EXPECT_FLOAT_EQ(static_cast<float>(Half(0.1f)), 0.0999755859375f);
  EXPECT_TRUE(std::isnan(static_cast<float>(Half(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(BFloat16(1.0f).bits, 0x3f80);
  EXPECT_EQ(BFloat16(0.1f).bits, 0x3dcd);
  EXPECT_FLOAT_EQ(static_cast<float>(BFloat16(3.140625f)), 3.140625f);
}

}  // namespace
}  // namespace tessera
