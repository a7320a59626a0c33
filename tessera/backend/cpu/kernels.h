#pragma once
// The CPU backend's kernel registration, one function per op family (backend/cpu/<family>_kernels.cpp).
namespace tessera {
class Registry;
namespace cpu {
void register_kernels(Registry& r);  // backend/cpu/kernels.cpp: calls all of the below
void register_copy_kernels(Registry& r);
void register_shape_kernels(Registry& r);
void register_creation_kernels(Registry& r);
void register_unary_kernels(Registry& r);
void register_binary_kernels(Registry& r);
void register_compare_kernels(Registry& r);
void register_reduce_kernels(Registry& r);
void register_scan_sort_kernels(Registry& r);
void register_index_kernels(Registry& r);
void register_linalg_kernels(Registry& r);
void register_random_kernels(Registry& r);
void register_conv_kernels(Registry& r);
void register_conv3d_kernels(Registry& r);
void register_pool_kernels(Registry& r);
void register_softmax_kernels(Registry& r);
void register_fused_kernels(Registry& r);
void register_control_flow_kernels(Registry& r);
void register_pad_kernels(Registry& r);
void register_adaptive_pool_kernels(Registry& r);
void register_lstm_kernels(Registry& r);
void register_batch_norm_kernels(Registry& r);
void register_layer_norm_kernels(Registry& r);
}  // namespace cpu
}  // namespace tessera
