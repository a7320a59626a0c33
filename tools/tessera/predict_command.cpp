// `tessera predict CKPT`: runs a checkpoint written by `tessera train` on Fashion-MNIST's test split, an NPY array
// or a folder of PNG images, writes each sample's top-k classes and probabilities as CSV, and prints a summary
// (with the accuracy when the true labels are known).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "checkpoint_model.h"
#include "commands.h"
#include "tessera/core/parallel.h"
#include "tessera/data/dataloader.h"
#include "tessera/data/fashion_mnist.h"
#include "tessera/data/image_folder.h"
#include "tessera/data/npy.h"
#include "tessera/data/transforms.h"
#include "tessera/io/atomic_file.h"
#include "tessera/io/checkpoint.h"
#include "tessera/models/zoo.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/scan_sort.h"
#include "tessera/ops/shape.h"
#include "tessera/ops/softmax.h"
#include "tessera/train/fit.h"

namespace tessera::cli {
namespace {

struct PredictArgs {
  std::string checkpoint;
  std::string model = "auto";
  std::string data;  // the default Fashion-MNIST directory when no input is given
  std::string npy;
  std::string images;
  std::string output = "preds.csv";
  int64_t top_k = 1;
  int64_t batch_size = 1000;
  int64_t limit = 0;
  int threads = 0;
};

constexpr int64_t kSide = 28;

/// What the model is run on: images [N, 1, 28, 28] in [0, 1] (before normalization), the true labels when
/// known (int64 [N], or undefined), and per-sample file names for image folders.
struct Inputs {
  std::string source;
  Tensor images;
  Tensor labels;
  std::vector<std::string> files;
};

/// [N, 28, 28] or [N, 1, 28, 28] images, uint8 (0..255) or floating (0..1), as float32 [N, 1, 28, 28] in [0, 1].
Tensor as_model_images(const Tensor& x, const std::string& what) {
  const bool grey_28 = x.dim() >= 3 && x.size(-1) == kSide && x.size(-2) == kSide;
  check<ShapeError>(grey_28 && (x.dim() == 3 || (x.dim() == 4 && x.size(1) == 1)), what,
                    ": expected images [N, 28, 28] or [N, 1, 28, 28], got ", fmt_shape(x.shape()));
  if (x.dtype() == kUInt8) return data::to_float_image(x);
  check<DTypeError>(x.is_floating_point(), what, ": expected uint8 (0..255) or floating (0..1) images, got ",
                    x.dtype());
  return (x.dim() == 3 ? x.unsqueeze(1) : x).to(kFloat32);
}

/// The Fashion-MNIST label of an image folder's name: "0".."9", or a class name ("/" written as "_").
std::optional<int64_t> folder_label(const std::string& folder) {
  if (folder.size() == 1 && folder[0] >= '0' && folder[0] <= '9') return folder[0] - '0';
  const auto& names = data::fashion_mnist_classes();
  for (size_t i = 0; i < names.size(); ++i) {
    std::string n(names[i]);
    std::replace(n.begin(), n.end(), '/', '_');
    if (n == folder) return static_cast<int64_t>(i);
  }
  return std::nullopt;
}

Inputs load_inputs(const PredictArgs& a) {
  Inputs in;
  if (!a.npy.empty()) {
    in.source = a.npy;
    in.images = as_model_images(data::load_npy(a.npy), cat("predict: '", a.npy, "'"));
  } else if (!a.images.empty()) {
    in.source = a.images;
    const data::ImageFolder folder(a.images, {.channels = 1});
    std::vector<Tensor> images;
    bool labelled = true;
    std::vector<int64_t> labels;
    for (int64_t i = 0; i < folder.size(); ++i) {
      const auto& [file, cls] = folder.samples()[i];
      const Tensor image = folder.get(i)[0];
      check<ShapeError>(image.size(1) == kSide && image.size(2) == kSide, "predict: '", file, "' is ", image.size(2),
                        "x", image.size(1), " pixels; the zoo models take 28x28 images");
      images.push_back(image);
      in.files.push_back(file);
      const std::optional<int64_t> label = folder_label(folder.classes()[cls]);
      labelled = labelled && label.has_value();
      labels.push_back(label.value_or(-1));
    }
    in.images = stack(images);
    if (labelled) in.labels = from_vector(labels, Shape{static_cast<int64_t>(labels.size())}, kInt64);
  } else {
    in.source = a.data.empty() ? data::default_fashion_mnist_dir() : a.data;
    const data::MnistSplit split = data::load_fashion_mnist(in.source, false);
    in.source += " (test split)";
    in.images = data::to_float_image(split.images);
    in.labels = split.labels;
  }
  if (a.limit > 0 && a.limit < in.images.size(0)) {
    in.images = in.images.narrow(0, 0, a.limit);
    if (in.labels.defined()) in.labels = in.labels.narrow(0, 0, a.limit);
    in.files.resize(std::min<size_t>(in.files.size(), a.limit));
  }
  check<ValueError>(in.images.size(0) > 0, "predict: no images in ", in.source);
  return in;
}

/// The values of `t` in row-major order.
template <class T>
std::vector<T> values_of(const Tensor& t) {
  const Tensor c = t.to(dtype_of_v<T>).contiguous();
  return {c.data_ptr<T>(), c.data_ptr<T>() + c.numel()};
}

/// A CSV cell: quoted when it holds a comma, a quote or a line break (RFC 4180).
std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void run_predict(const PredictArgs& a) {
  if (a.threads > 0) set_num_threads(a.threads);
  const io::Checkpoint ckpt = io::load_checkpoint(a.checkpoint);
  auto [model_name, model] = zoo_model_for(a.model, ckpt, a.checkpoint);
  const Inputs in = load_inputs(a);
  const int64_t n = in.images.size(0);

  data::DataLoader loader(
      data::TensorDataset({data::normalize(in.images, {data::kFashionMnistMean}, {data::kFashionMnistStd})}),
      {.batch_size = a.batch_size});
  const Tensor logits = train::predict(*model, loader);
  check<ShapeError>(logits.dim() == 2 && logits.size(0) == n, "predict: model ", model_name, " gave logits ",
                    fmt_shape(logits.shape()), " for ", n, " images");
  const int64_t classes = logits.size(1), k = std::min(a.top_k, classes);
  const auto [top_p, top_i] = topk(softmax(logits.to(kFloat64), 1), k, 1);
  const std::vector<double> probs = values_of<double>(top_p);
  const std::vector<int64_t> ids = values_of<int64_t>(top_i);
  const std::vector<int64_t> labels = in.labels.defined() ? values_of<int64_t>(in.labels) : std::vector<int64_t>{};
  const auto& names = data::fashion_mnist_classes();
  const auto class_name = [&](int64_t c) { return c < 10 ? std::string(names[c]) : cat("class ", c); };

  std::ostringstream csv;
  csv << "index" << (in.files.empty() ? "" : ",file") << (labels.empty() ? "" : ",label");
  for (int64_t j = 1; j <= k; ++j) csv << ",top" << j << ",top" << j << "_class,top" << j << "_prob";
  csv << "\n";
  int64_t correct = 0, correct_k = 0;
  std::vector<int64_t> counts(classes, 0);
  for (int64_t i = 0; i < n; ++i) {
    csv << i;
    if (!in.files.empty()) csv << "," << csv_cell(in.files[i]);
    if (!labels.empty()) csv << "," << labels[i];
    for (int64_t j = 0; j < k; ++j) {
      char prob[32];
      std::snprintf(prob, sizeof prob, "%.6f", probs[i * k + j]);
      csv << "," << ids[i * k + j] << "," << csv_cell(class_name(ids[i * k + j])) << "," << prob;
      if (!labels.empty() && ids[i * k + j] == labels[i]) (j == 0 ? correct : correct_k)++;
    }
    csv << "\n";
    ++counts[ids[i * k]];
  }
  io::write_file_atomically(a.output, csv.str());

  std::cout << "tessera predict: " << n << " images from " << in.source << ", model " << model_name
            << " (checkpoint after epoch " << ckpt.epoch << ")\n";
  if (!labels.empty()) {
    std::printf("accuracy %.4f (%lld of %lld)", double(correct) / double(n), static_cast<long long>(correct),
                static_cast<long long>(n));
    if (k > 1) std::printf(", top-%lld accuracy %.4f", static_cast<long long>(k), double(correct + correct_k) / n);
    std::printf("\n");
  }
  std::cout << "predicted classes:";
  for (int64_t c = 0; c < classes; ++c) {
    if (counts[c] > 0) std::cout << " " << class_name(c) << " " << counts[c] << ";";
  }
  std::cout << "\npredictions: " << a.output << "\n";
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* p = app.add_subcommand(
      "predict", "Predict the classes of images with a checkpoint (Fashion-MNIST test split, NPY array or PNG folder)");
  p->add_option("checkpoint", args->checkpoint, "A checkpoint written by tessera train")
      ->required()
      ->check(CLI::ExistingFile);
  p->add_option("--model", args->model, "The zoo model of the checkpoint (auto: the one its weights fit)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "mlp", "lenet5", "cnn", "resnet"}));
  CLI::Option* d =
      p->add_option("--data", args->data,
                    "Directory of the Fashion-MNIST IDX files: predict its test split (the default, from " +
                        data::default_fashion_mnist_dir() + ")");
  CLI::Option* npy = p->add_option("--npy", args->npy,
                                   "An NPY file of images: uint8 (0..255) or float (0..1), [N, 28, 28] or "
                                   "[N, 1, 28, 28]")
                         ->check(CLI::ExistingFile);
  CLI::Option* images =
      p->add_option("--images", args->images,
                    "A folder of class folders of 28x28 PNG images (folders named 0..9 or by class give accuracy)")
          ->check(CLI::ExistingDirectory);
  d->excludes(npy)->excludes(images);
  npy->excludes(images);
  p->add_option("--output", args->output, "CSV file of the predictions (written atomically)")->capture_default_str();
  p->add_option("--top-k", args->top_k, "Classes (with probabilities) to list per image")
      ->capture_default_str()
      ->check(CLI::Range(1, 10));
  p->add_option("--batch-size", args->batch_size, "Images per forward pass")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  p->add_option("--limit", args->limit, "Predict only the first N images (0: all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  p->add_option("--threads", args->threads, "Compute threads (0: one per core)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  p->callback([args] { run_predict(*args); });
}

}  // namespace tessera::cli
