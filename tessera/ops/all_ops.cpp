// The one explicit list of op families (no static initialisers): each adds its OpDefs to the registry.
#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"

namespace tessera {

void register_all_ops(Registry& r) {
  register_copy_ops(r);
  register_shape_ops(r);
  register_creation_ops(r);
  register_unary_ops(r);
  register_binary_ops(r);
  register_compare_ops(r);
  register_reduce_ops(r);
  register_scan_sort_ops(r);
  register_index_ops(r);
  register_linalg_ops(r);
  register_random_ops(r);
  register_conv_ops(r);
  register_pool_ops(r);
  register_softmax_ops(r);
  register_fused_ops(r);
  register_fused_conv_ops(r);
  register_control_flow_ops(r);
  register_pad_ops(r);
  register_adaptive_pool_ops(r);
  register_lstm_ops(r);
  register_batch_norm_ops(r);
  register_layer_norm_ops(r);
}

}  // namespace tessera
