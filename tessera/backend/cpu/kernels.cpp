// The one place the CPU backend maps ops to kernels: each family file registers its own.
#include "tessera/backend/cpu/kernels.h"

#include "tessera/ops/registry.h"

namespace tessera::cpu {

void register_kernels(Registry& r) {
  register_copy_kernels(r);
  register_shape_kernels(r);
  register_creation_kernels(r);
  register_unary_kernels(r);
  register_binary_kernels(r);
  register_compare_kernels(r);
  register_reduce_kernels(r);
  register_scan_sort_kernels(r);
  register_index_kernels(r);
  register_linalg_kernels(r);
  register_random_kernels(r);
  register_conv_kernels(r);
  register_conv3d_kernels(r);
  register_pool_kernels(r);
  register_softmax_kernels(r);
  register_fused_kernels(r);
  register_control_flow_kernels(r);
  register_pad_kernels(r);
  register_adaptive_pool_kernels(r);
  register_lstm_kernels(r);
  register_batch_norm_kernels(r);
  register_layer_norm_kernels(r);
}

}  // namespace tessera::cpu
