#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"

namespace tessera {

void register_scan_sort_ops(Registry&) {}

}  // namespace tessera
