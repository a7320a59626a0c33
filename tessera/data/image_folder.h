#pragma once
// Images in class folders (torchvision.datasets.ImageFolder): root/<class>/<...>/<image>.png, one folder per
// class; the sorted folder names are the classes, numbered 0, 1, ... in that order. PNG files are decoded with
// libpng when an example is asked for, so a large folder costs only its file list up front.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tessera/data/dataset.h"

namespace tessera::data {

/// The PNG file at `path` as float32 [C, H, W] in [0, 1] (torchvision's ToTensor of the decoded image).
/// `channels`: 0 keeps the file's (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA; palette images become RGB or RGBA),
/// 1 converts to grey, 3 to RGB, 4 to RGBA (libpng's conversions; 16-bit images are reduced to 8 bits).
/// Errors: IOError naming the file when it cannot be read or is not a valid PNG (libpng's message: bad
/// signature, CRC error, truncated data...); ValueError for `channels` other than 0, 1, 3 and 4.
Tensor read_png(const std::string& path, int64_t channels = 0);

struct ImageFolderOptions {
  /// As read_png's: 0 keeps each file's channel count (a batch then needs files of one kind), 1 grey, 3 RGB.
  int64_t channels = 0;
};

/// The PNG images under `root`'s class folders. Example i is {float32 [C, H, W] in [0, 1], int64 [] label}.
/// Files are found recursively inside each class folder, by the extension ".png" (any case), in sorted path
/// order; other files are skipped (as torchvision skips non-image files).
class ImageFolder : public Dataset {
 public:
  /// Lists the classes and files (nothing is decoded yet). Errors: IOError naming `root` when it does not
  /// exist, is not a directory or cannot be read, or has no class folders; IOError naming the classes whose
  /// folders hold no PNG file; ValueError for a bad `channels`.
  explicit ImageFolder(std::string root, ImageFolderOptions options = {});

  int64_t size() const override { return static_cast<int64_t>(samples_.size()); }
  /// Decodes image `index`. IndexError outside [0, size()); read_png's IOError naming the file when it is
  /// unreadable or corrupt.
  std::vector<Tensor> get(int64_t index) const override;

  const std::string& root() const { return root_; }
  /// The class names: the sorted folder names.
  const std::vector<std::string>& classes() const { return classes_; }
  /// Class name -> index.
  const std::map<std::string, int64_t>& class_to_idx() const { return class_to_idx_; }
  /// (file path, class index) of every example, in example order.
  const std::vector<std::pair<std::string, int64_t>>& samples() const { return samples_; }
  /// The class indices of every example: int64 [size()].
  Tensor targets() const;

 private:
  std::string root_;
  ImageFolderOptions options_;
  std::vector<std::string> classes_;
  std::map<std::string, int64_t> class_to_idx_;
  std::vector<std::pair<std::string, int64_t>> samples_;
};

}  // namespace tessera::data
