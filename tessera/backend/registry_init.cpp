// Builds the process-wide registry: op definitions from ops/, then each backend's kernels. It lives in
// backend/ because backends depend on ops, never the other way round.
#include "tessera/backend/cpu/kernels.h"
#include "tessera/ops/registry.h"

namespace tessera {

const Registry& registry() {
  static const Registry* r = [] {
    auto* reg = new Registry();  // never destroyed: ops may run during static destruction
    register_all_ops(*reg);
    cpu::register_kernels(*reg);
    return reg;
  }();
  return *r;
}

}  // namespace tessera
