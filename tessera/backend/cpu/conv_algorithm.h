#pragma once
// Which implementation runs float32 conv2d, conv3d and their gradient ops on the CPU (Note [Convolution dispatch] in
// conv_kernels.cpp, Note [3-d convolution dispatch] in conv3d_kernels.cpp). Float64 always takes im2col + BLAS.
namespace tessera::cpu {

/// The three passes of a convolution: forward (x, w) -> y, input gradient (gy, w) -> gx, weight gradient (x, gy) -> gw.
enum class ConvPass { kForward, kInputGrad, kWeightGrad };

enum class ConvAlgorithm {
  kAuto,         ///< chosen per pass and shape, by the measurements of the two dispatch notes
  kIm2col,       ///< im2col + OpenBLAS GEMM (conv3d: its depth taps, each a conv2d pass by im2col)
  kDnnlPlain,    ///< oneDNN on the NCHW / NCDHW buffers as they are
  kDnnlBlocked,  ///< oneDNN in its own blocked layouts, reordering from and to NCHW / NCDHW around each call
  kWinograd,     ///< F(2x2, 3x3) and F(2x2, 5x5) Winograd (backend/cpu/winograd.h): stride 1, all three passes
                 ///< (conv3d: its depth taps by Winograd)
};

/// Forces an algorithm for every later call, process-wide (tests and benchmarks compare them); returns the
/// previous setting. Where the forced algorithm has no implementation for a shape or pass (oneDNN's gaps; Winograd
/// for anything but 3x3 and 5x5 kernels with stride 1, dilation 1, one group and padding < the kernel size), im2col
/// runs instead.
ConvAlgorithm set_conv_algorithm(ConvAlgorithm a);
/// The algorithm set_conv_algorithm forced, or kAuto.
ConvAlgorithm conv_algorithm_setting();

/// Forces an algorithm for the lifetime of the object and restores the previous setting after (tests, benchmarks).
class ConvAlgorithmScope {
 public:
  explicit ConvAlgorithmScope(ConvAlgorithm a) : previous_(set_conv_algorithm(a)) {}
  ~ConvAlgorithmScope() { set_conv_algorithm(previous_); }
  ConvAlgorithmScope(const ConvAlgorithmScope&) = delete;
  ConvAlgorithmScope& operator=(const ConvAlgorithmScope&) = delete;

 private:
  ConvAlgorithm previous_;
};

}  // namespace tessera::cpu
