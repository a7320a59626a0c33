#pragma once
// SummaryWriter: logs scalars, histograms, images, text, hyperparameters and graphs to TensorBoard event files
// (torch.utils.tensorboard.SummaryWriter's names, argument order and file layout).
//
//   io::SummaryWriter w("runs/exp1");
//   for (int64_t step = 0; step < 100; ++step) w.add_scalar("loss", loss_at(step), step);
//   w.add_histogram("fc1/weight", fc1->weight, 100);
//   w.close();  // or let the destructor close it
// then `tensorboard --logdir runs` (see docs/tensorboard.md).
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tessera/core/tensor.h"
#include "tessera/io/tensorboard/event_file_writer.h"
#include "tessera/io/tensorboard/graph_def.h"
#include "tessera/io/tensorboard/histogram.h"
#include "tessera/io/tensorboard/hparams.h"

namespace tessera::io {

/// PyTorch's SummaryWriter arguments after log_dir.
struct SummaryWriterOptions {
  /// Appended to the default log_dir (runs/<date>_<host><comment>); ignored when a log_dir is given.
  std::string comment{};
  /// Events pending before an add waits and the writer flushes (PyTorch: 10).
  int64_t max_queue = 10;
  /// Seconds between flushes to disk (PyTorch: 120); flush() and close() flush at once.
  double flush_secs = 120;
  /// Appended to every event file name.
  std::string filename_suffix{};
};

/// Writes one run's event file; a run is a directory. Every add_* may be called from any thread. `step` is
/// PyTorch's global_step; `wall_time` (seconds since the Unix epoch) defaults to now.
class SummaryWriter {
 public:
  /// Creates `log_dir` (default: runs/<Mon DD_HH-MM-SS>_<hostname><comment>, like PyTorch) and a new event
  /// file in it (EventFileWriter). IOError naming the directory or file when it cannot be created.
  explicit SummaryWriter(std::string log_dir = "", SummaryWriterOptions options = {});
  /// close(), ignoring errors.
  ~SummaryWriter();
  SummaryWriter(const SummaryWriter&) = delete;
  SummaryWriter& operator=(const SummaryWriter&) = delete;

  /// One point of the curve `tag` (Summary.Value.simple_value, a float32 as TensorBoard stores it).
  void add_scalar(const std::string& tag, double value, int64_t step = 0, std::optional<double> wall_time = {});
  /// add_scalar of a one-element tensor (ValueError otherwise).
  void add_scalar(const std::string& tag, const Tensor& value, int64_t step = 0, std::optional<double> wall_time = {});
  /// Several curves on one chart: each value goes to the run `<log_dir>/<main_tag with "/" -> "_">_<key>`
  /// under the tag `main_tag`, as PyTorch lays it out (TensorBoard overlays same-tag curves of different runs).
  void add_scalars(const std::string& main_tag, const std::map<std::string, double>& values, int64_t step = 0,
                   std::optional<double> wall_time = {});
  /// The histogram of a tensor's values over TensorBoard's default buckets (`bins` "tensorflow", the only
  /// name accepted; ValueError otherwise): tensorflow_bin_edges(), Note [Histogram buckets]. ValueError for an
  /// empty tensor.
  void add_histogram(const std::string& tag, const Tensor& values, int64_t step = 0,
                     const std::string& bins = "tensorflow", std::optional<double> wall_time = {});
  /// The histogram over `bins` equal-width bins between the smallest and the largest value.
  void add_histogram(const std::string& tag, const Tensor& values, int64_t step, int64_t bins,
                     std::optional<double> wall_time = {});
  /// A histogram computed elsewhere (PyTorch's add_histogram_raw).
  void add_histogram_raw(const std::string& tag, const Histogram& histogram, int64_t step = 0,
                         std::optional<double> wall_time = {});
  /// One image, PNG-encoded: `image` in `dataformats` "CHW" (default), "HWC", "HW" or another order of those
  /// letters; uint8, or floating point in [0, 1] (scaled by 255). to_image_u8 gives the conversion and the
  /// ShapeError / DTypeError / ValueError cases, each naming add_image and the shape.
  void add_image(const std::string& tag, const Tensor& image, int64_t step = 0, const std::string& dataformats = "CHW",
                 std::optional<double> wall_time = {});
  /// A batch of images as one grid image (make_grid: 8 per row, 2 pixels of padding). `dataformats` "NCHW"
  /// (default) or "NHWC" (or another order with N first). Errors as add_image, naming add_images.
  void add_images(const std::string& tag, const Tensor& images, int64_t step = 0,
                  const std::string& dataformats = "NCHW", std::optional<double> wall_time = {});
  /// Markdown text for the Text dashboard: a string tensor under the tag `<tag>/text_summary` (as PyTorch writes
  /// it) with the text plugin's metadata.
  void add_text(const std::string& tag, const std::string& text, int64_t step = 0,
                std::optional<double> wall_time = {});
  /// One hyperparameter set and its results for the HParams dashboard, PyTorch's layout: the run
  /// `<log_dir>/<run_name>` (default: the current Unix time) gets the experiment, session start and session end
  /// summaries and each metric as a scalar. ValueError for no hyperparameters (see hparams_content).
  void add_hparams(const HParams& hparams, const std::map<std::string, double>& metrics,
                   const std::map<std::string, std::vector<HParam>>& domain_discrete = {}, std::string run_name = "",
                   int64_t step = 0);
  /// A graph for the Graphs dashboard (Event.graph_def; see serialize_graph_def for its checks).
  void add_graph_def(const GraphDefLike& graph, std::optional<double> wall_time = {});

  /// Blocks until everything added so far is in the files. Throws the IOError of a failed write.
  void flush();
  /// Flushes and closes this run's file and the add_scalars runs; later adds throw IOError. Idempotent.
  void close();

  /// The run directory.
  const std::string& log_dir() const { return log_dir_; }
  /// The path of this run's event file.
  const std::string& file_path() const { return writer_->path(); }

 private:
  std::string log_dir_;
  SummaryWriterOptions options_;
  std::unique_ptr<EventFileWriter> writer_;
  std::mutex scalars_mu_;
  std::map<std::string, std::unique_ptr<EventFileWriter>> scalars_writers_;
};

}  // namespace tessera::io
