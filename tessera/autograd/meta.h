#pragma once
// The autograd state of a tensor that needs gradients (TensorImpl::autograd).
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera::autograd {

class Node;

struct AutogradMetaFields {
  bool requires_grad = false;
  Tensor grad;                    ///< Accumulated gradient (leaves, or retained non-leaves).
  std::shared_ptr<Node> grad_fn;  ///< The recorded op that produced this tensor; null for leaves.
  int output_nr = 0;              ///< Which output of grad_fn this tensor is.
  bool retains_grad = false;
  std::vector<std::pair<int64_t, std::function<Tensor(const Tensor&)>>> hooks;
  int64_t next_hook_id = 0;
};

}  // namespace tessera::autograd

namespace tessera {
struct AutogradMeta : autograd::AutogradMetaFields {};
}  // namespace tessera
