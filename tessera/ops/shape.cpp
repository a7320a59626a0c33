#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"

namespace tessera {

void register_shape_ops(Registry&) {}

}  // namespace tessera
