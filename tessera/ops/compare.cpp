#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"

namespace tessera {

void register_compare_ops(Registry&) {}

}  // namespace tessera
