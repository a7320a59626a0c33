#include "tessera/data/image_folder.h"

#include <png.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "tessera/io/atomic_file.h"

namespace tessera::data {
namespace {

namespace fs = std::filesystem;

void check_channels(int64_t channels, const char* who) {
  check<ValueError>(channels == 0 || channels == 1 || channels == 3 || channels == 4, who,
                    ": channels must be 0 (the file's), 1, 3 or 4, got ", channels);
}

bool is_png(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png";
}

/// The entries of `dir` (directory_iterator's errors as IOError naming it).
std::vector<fs::directory_entry> list_dir(const fs::path& dir, bool recursive) {
  std::vector<fs::directory_entry> out;
  std::error_code ec;
  const auto fail = [&] {
    throw IOError(cat("ImageFolder: cannot read directory '", dir.string(), "': ", ec.message()));
  };
  if (recursive) {
    fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end;
    for (; !ec && it != end; it.increment(ec)) out.push_back(*it);
  } else {
    fs::directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) out.push_back(*it);
  }
  if (ec) fail();
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
  return out;
}

}  // namespace

Tensor read_png(const std::string& path, int64_t channels) {
  check_channels(channels, "read_png");
  const std::string bytes = io::read_file(path);
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  const auto fail = [&]() -> IOError {
    const std::string msg = img.message;
    png_image_free(&img);
    return IOError(cat("read_png: '", path, "' is not a valid PNG: ", msg));
  };
  if (png_image_begin_read_from_memory(&img, bytes.data(), bytes.size()) == 0) throw fail();
  if (channels == 0) {
    channels = ((img.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1) + ((img.format & PNG_FORMAT_FLAG_ALPHA) ? 1 : 0);
  }
  constexpr png_uint_32 kFormats[] = {PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB, PNG_FORMAT_RGBA};
  img.format = kFormats[channels - 1];
  const int64_t h = img.height, w = img.width;
  std::vector<uint8_t> pixels(PNG_IMAGE_SIZE(img));
  // png_image_finish_read frees libpng's state on success and on failure.
  if (png_image_finish_read(&img, nullptr, pixels.data(), 0, nullptr) == 0) throw fail();

  // Interleaved HWC bytes -> planar CHW floats.
  Tensor out = empty({channels, h, w}, kFloat32);
  float* o = out.data_ptr<float>();
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t i = 0; i < h * w; ++i) o[c * h * w + i] = static_cast<float>(pixels[i * channels + c]) / 255.0f;
  }
  return out;
}

ImageFolder::ImageFolder(std::string root, ImageFolderOptions options) : root_(std::move(root)), options_(options) {
  check_channels(options_.channels, "ImageFolder");
  std::error_code ec;
  check<IOError>(fs::is_directory(root_, ec), "ImageFolder: '", root_, "' ",
                 fs::exists(root_, ec) ? "is not a directory" : "does not exist");
  for (const fs::directory_entry& e : list_dir(root_, false)) {
    if (e.is_directory(ec)) classes_.push_back(e.path().filename().string());
  }
  check<IOError>(!classes_.empty(), "ImageFolder: '", root_,
                 "' has no class folders (expected root/<class>/<image>.png)");
  std::string empty_classes;
  for (size_t c = 0; c < classes_.size(); ++c) {
    class_to_idx_[classes_[c]] = static_cast<int64_t>(c);
    const size_t before = samples_.size();
    for (const fs::directory_entry& e : list_dir(fs::path(root_) / classes_[c], true)) {
      if (!e.is_directory(ec) && is_png(e.path())) samples_.emplace_back(e.path().string(), c);
    }
    if (samples_.size() == before) empty_classes += cat(empty_classes.empty() ? "" : ", ", "'", classes_[c], "'");
  }
  check<IOError>(empty_classes.empty(), "ImageFolder: '", root_, "': no .png file in the folder of class ",
                 empty_classes);
}

std::vector<Tensor> ImageFolder::get(int64_t index) const {
  check<IndexError>(index >= 0 && index < size(), "ImageFolder: index ", index, " is out of range for ", size(),
                    " images");
  const auto& [path, label] = samples_[index];
  Tensor target = empty({}, kInt64);
  *target.data_ptr<int64_t>() = label;
  return {read_png(path, options_.channels), target};
}

Tensor ImageFolder::targets() const {
  Tensor t = empty({size()}, kInt64);
  for (int64_t i = 0; i < size(); ++i) t.data_ptr<int64_t>()[i] = samples_[i].second;
  return t;
}

}  // namespace tessera::data
