#pragma once
// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 70000 28x28 grey images of clothes in 10 classes, stored as
// IDX files (tessera/data/idx.h), the same layout as MNIST, so this loader also reads MNIST.
#include <array>
#include <string>
#include <string_view>

#include "tessera/core/tensor.h"

namespace tessera::data {

/// One split of the dataset: `images` uint8 [N, 28, 28] (0 = background, 255 = full ink), `labels` int64 [N]
/// with values in 0..9.
struct MnistSplit {
  Tensor images;
  Tensor labels;
};

/// Where the dataset is looked for by default: $TESSERA_FASHION_MNIST when set (and not empty), else
/// "/usr/share/datasets/fashion-mnist", where Debian's package dataset-fashion-mnist installs it.
std::string default_fashion_mnist_dir();

/// The pixel mean and standard deviation of the training images scaled to [0, 1], the usual normalization
/// constants of Fashion-MNIST (`tessera train` and `tessera predict` normalize with them).
inline constexpr double kFashionMnistMean = 0.2860, kFashionMnistStd = 0.3530;

/// The names of the 10 classes, by label: "T-shirt/top", "Trouser", ..., "Ankle boot".
const std::array<std::string_view, 10>& fashion_mnist_classes();

/// Loads the training split (60000 images, `train` = true) or the test split (10000 images) from `dir`:
/// train-images-idx3-ubyte and train-labels-idx1-ubyte (or t10k-*), each gzip-compressed (".gz", preferred) or
/// unpacked. Throws IOError:
/// - when files are missing, naming every file looked for and saying "install Debian's package
///   dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass the directory";
/// - when the images are not uint8 [N, 28, 28] or the labels not uint8 [N'], naming the file and what it holds;
/// - when N' != N, naming both files and both counts;
/// - when a label is outside 0..9, naming the file, the value and its byte offset;
/// - for any error read_idx reports (corrupt or truncated files).
MnistSplit load_fashion_mnist(const std::string& dir = default_fashion_mnist_dir(), bool train = true);

}  // namespace tessera::data
