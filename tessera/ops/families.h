#pragma once
// Registration entry points of the op families (one per file in ops/), called by register_all_ops.
namespace tessera {
class Registry;
void register_copy_ops(Registry& r);           // ops/copy.cpp: to_dtype, contiguous, clone, copy_
void register_shape_ops(Registry& r);          // ops/shape.cpp: views, cat, stack, split
void register_creation_ops(Registry& r);       // ops/creation.cpp: full, arange, linspace, eye
void register_unary_ops(Registry& r);          // ops/unary.cpp
void register_binary_ops(Registry& r);         // ops/binary.cpp
void register_compare_ops(Registry& r);        // ops/compare.cpp: comparisons, logical, where
void register_reduce_ops(Registry& r);         // ops/reduce.cpp
void register_scan_sort_ops(Registry& r);      // ops/scan_sort.cpp: cumsum, cumprod, sort, topk
void register_index_ops(Registry& r);          // ops/index.cpp
void register_linalg_ops(Registry& r);         // ops/linalg.cpp
void register_random_ops(Registry& r);         // ops/random.cpp
void register_conv_ops(Registry& r);           // ops/conv.cpp: conv2d, conv3d and their gradient ops
void register_pool_ops(Registry& r);           // ops/pool.cpp: max/avg pooling
void register_softmax_ops(Registry& r);        // ops/softmax.cpp: softmax, log_softmax
void register_fused_ops(Registry& r);          // ops/fused.cpp: fused_elementwise (made by graph fusion)
void register_fused_conv_ops(Registry& r);     // ops/fused_conv.cpp: fused_conv2d (made by graph fusion)
void register_control_flow_ops(Registry& r);   // ops/control_flow.cpp: scan
void register_pad_ops(Registry& r);            // ops/pad.cpp: pad, pad_backward
void register_adaptive_pool_ops(Registry& r);  // ops/adaptive_pool.cpp: adaptive_max_pool2d
void register_lstm_ops(Registry& r);           // ops/lstm.cpp: lstm_sequence and its fused backward
void register_batch_norm_ops(Registry& r);     // ops/batch_norm.cpp: batch_norm_training and its backward
void register_layer_norm_ops(Registry& r);     // ops/layer_norm.cpp: layer_norm and its backward
}  // namespace tessera
