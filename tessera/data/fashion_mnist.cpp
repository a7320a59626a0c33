#include "tessera/data/fashion_mnist.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "tessera/data/idx.h"

namespace tessera::data {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kSide = 28;
constexpr int64_t kNumClasses = 10;
constexpr int64_t kLabelHeaderBytes = 8;  // 00 00 08 01 and one int32 size

/// The path of `name` in `dir`, the .gz file first; "" when neither exists (then both are added to `missing`).
std::string find_file(const std::string& dir, const std::string& name, std::vector<std::string>& missing) {
  const std::string gz = (fs::path(dir) / (name + ".gz")).string(), raw = (fs::path(dir) / name).string();
  for (const std::string& path : {gz, raw}) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) return path;
  }
  missing.insert(missing.end(), {gz, raw});
  return "";
}

/// The uint8 labels as int64, checking every value is a class.
Tensor to_labels(const Tensor& raw, const std::string& path) {
  Tensor labels = empty({raw.numel()}, kInt64);
  const uint8_t* in = raw.data_ptr<const uint8_t>();
  int64_t* out = labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < raw.numel(); ++i) {
    check<IOError>(in[i] < kNumClasses, "load_fashion_mnist: '", path, "': label ", int{in[i]}, " at offset ",
                   kLabelHeaderBytes + i, " is outside 0..", kNumClasses - 1);
    out[i] = in[i];
  }
  return labels;
}

}  // namespace

std::string default_fashion_mnist_dir() {
  const char* env = std::getenv("TESSERA_FASHION_MNIST");
  return env != nullptr && *env != '\0' ? env : "/usr/share/datasets/fashion-mnist";
}

const std::array<std::string_view, 10>& fashion_mnist_classes() {
  static const std::array<std::string_view, 10> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                         "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

MnistSplit load_fashion_mnist(const std::string& dir, bool train) {
  const std::string prefix = train ? "train" : "t10k";
  std::vector<std::string> missing;
  const std::string images_path = find_file(dir, prefix + "-images-idx3-ubyte", missing);
  const std::string labels_path = find_file(dir, prefix + "-labels-idx1-ubyte", missing);
  if (images_path.empty() || labels_path.empty()) {
    std::string list;
    for (const std::string& m : missing) list += cat(list.empty() ? "" : ", ", "'", m, "'");
    throw IOError(cat("load_fashion_mnist: cannot find the Fashion-MNIST ", train ? "training" : "test",
                      " files: looked for ", list,
                      "; install Debian's package dataset-fashion-mnist (apt-get install dataset-fashion-mnist) "
                      "or pass the directory (or set TESSERA_FASHION_MNIST)"));
  }

  const Tensor images = read_idx(images_path);
  check<IOError>(images.dtype() == kUInt8 && images.dim() == 3 && images.size(1) == kSide && images.size(2) == kSide,
                 "load_fashion_mnist: '", images_path, "' holds ", images.dtype(), " ", fmt_shape(images.shape()),
                 ", expected uint8 [N, 28, 28] images");
  const Tensor raw_labels = read_idx(labels_path);
  check<IOError>(raw_labels.dtype() == kUInt8 && raw_labels.dim() == 1, "load_fashion_mnist: '", labels_path,
                 "' holds ", raw_labels.dtype(), " ", fmt_shape(raw_labels.shape()), ", expected uint8 [N] labels");
  check<IOError>(raw_labels.size(0) == images.size(0), "load_fashion_mnist: '", labels_path, "' holds ",
                 raw_labels.size(0), " labels but '", images_path, "' holds ", images.size(0), " images");
  return {images, to_labels(raw_labels, labels_path)};
}

}  // namespace tessera::data
