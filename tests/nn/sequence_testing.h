#pragma once
// Helpers shared by the embedding, attention and transformer tests: the masks make_reference.py builds, and a
// comparison that also checks the number of recorded tensors.
#include <string>
#include <vector>

#include "nn_testing.h"

namespace tessera::testing {

/// Relative and absolute tolerance against PyTorch's float64 values (written with 13 significant digits): the
/// layers here compute the same math in another order, so results agree to rounding.
inline constexpr double kSequenceTol = 1e-10;

/// Expects `got` to be exactly the tensors of `ref`: their count, the output's shape, and every value within
/// kSequenceTol.
inline void expect_all(const std::vector<Tensor>& got, const NnReference& ref) {
  ASSERT_EQ(got.size(), ref.values.size()) << ref.name;
  if (!got.empty()) {
    EXPECT_EQ(got[0].shape(), ref.out) << ref.name;
  }
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(std::string(ref.name) + ", tensor " + std::to_string(i));
    ASSERT_TRUE(got[i].defined());
    expect_near(got[i], ref.values[i], kSequenceTol, kSequenceTol);
  }
}

/// make_reference.py's block_mask(l, s): bool [l, s], True where (3 i + 2 j) % 5 == 1.
inline Tensor block_mask(int64_t l, int64_t s) {
  std::vector<bool> v;
  for (int64_t i = 0; i < l; ++i) {
    for (int64_t j = 0; j < s; ++j) v.push_back((i * 3 + j * 2) % 5 == 1);
  }
  return make<bool>(v, {l, s});
}

}  // namespace tessera::testing
