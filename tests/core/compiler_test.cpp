// Guards against a miscompile seen with GCC 12.2 -O3 -march=native on AVX-512 machines: constant int64/double
// vectors whose tail is zeros came out as broadcasts (cmake/TesseraFlags.cmake turns the culprit pass off).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

TEST(Compiler, ConstantVectorsKeepTheirValues) {
  std::vector<int64_t> a{1, 1, 1, 0}, b{2, 2, 0, 0};
  std::vector<double> c{1, 1, 1, 0, 0, 0, 0, 0};
  EXPECT_EQ(a[3], 0);
  EXPECT_EQ(b[2], 0);
  EXPECT_EQ(c[3], 0.0);
  EXPECT_EQ(c[7], 0.0);
}

}  // namespace
