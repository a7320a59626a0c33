#include "tessera/io/tensorboard/summary_writer.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "tessera/io/tensorboard/image.h"
#include "tessera/io/tensorboard/proto/event.pb.h"
#include "tessera/io/tensorboard/utf8.h"

namespace tessera::io {
namespace {

namespace pb = tensorboard;

// runs/<Mon DD_HH-MM-SS>_<hostname><comment>, PyTorch's default.
std::string default_log_dir(const std::string& comment) {
  char stamp[32] = {}, host[256] = {};
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(stamp, sizeof stamp, "%b%d_%H-%M-%S", &local);
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "localhost");
  return (std::filesystem::path("runs") / cat(stamp, "_", host, comment)).string();
}

EventFileWriterOptions file_options(const SummaryWriterOptions& o) {
  return {.flush_secs = o.flush_secs, .max_queue = o.max_queue, .filename_suffix = o.filename_suffix};
}

// Wraps one summary value into an Event and queues it.
void write_value(EventFileWriter& w, pb::Summary::Value value, int64_t step, std::optional<double> wall_time) {
  pb::Event e;
  e.set_wall_time(wall_time.value_or(unix_time_now()));
  e.set_step(step);
  *e.mutable_summary()->add_value() = std::move(value);
  w.add_event(e.SerializeAsString());
}

pb::Summary::Value tagged(const std::string& tag) {
  check_utf8(tag, "SummaryWriter", "the tag");
  pb::Summary::Value v;
  v.set_tag(tag);
  return v;
}

pb::Summary::Value plugin_value(const std::string& tag, const char* plugin, const std::string& content) {
  pb::Summary::Value v = tagged(tag);
  pb::SummaryMetadata::PluginData* p = v.mutable_metadata()->mutable_plugin_data();
  p->set_plugin_name(plugin);
  p->set_content(content);
  return v;
}

pb::Summary::Value image_value(const std::string& tag, const ImageU8& img) {
  pb::Summary::Value v = tagged(tag);
  pb::Summary::Image* out = v.mutable_image();
  out->set_height(static_cast<int32_t>(img.height));
  out->set_width(static_cast<int32_t>(img.width));
  out->set_colorspace(static_cast<int32_t>(img.channels));
  out->set_encoded_image_string(encode_png(img));
  return v;
}

}  // namespace

SummaryWriter::SummaryWriter(std::string log_dir, SummaryWriterOptions options)
    : log_dir_(log_dir.empty() ? default_log_dir(options.comment) : std::move(log_dir)), options_(std::move(options)) {
  writer_ = std::make_unique<EventFileWriter>(log_dir_, file_options(options_));
}

SummaryWriter::~SummaryWriter() {
  try {
    close();
  } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

void SummaryWriter::add_scalar(const std::string& tag, double value, int64_t step, std::optional<double> wall_time) {
  pb::Summary::Value v = tagged(tag);
  v.set_simple_value(static_cast<float>(value));
  write_value(*writer_, std::move(v), step, wall_time);
}

void SummaryWriter::add_scalar(const std::string& tag, const Tensor& value, int64_t step,
                               std::optional<double> wall_time) {
  check<ValueError>(value.defined() && !value.is_symbolic() && value.numel() == 1,
                    "add_scalar: expected a one-element tensor for '", tag, "', got shape ",
                    fmt_shape(value.defined() ? value.shape() : Shape{}));
  add_scalar(tag, value.item<double>(), step, wall_time);
}

void SummaryWriter::add_scalars(const std::string& main_tag, const std::map<std::string, double>& values, int64_t step,
                                std::optional<double> wall_time) {
  std::string prefix = main_tag;
  std::replace(prefix.begin(), prefix.end(), '/', '_');
  std::lock_guard lock(scalars_mu_);
  for (const auto& [key, value] : values) {
    const std::string dir = (std::filesystem::path(log_dir_) / (prefix + "_" + key)).string();
    std::unique_ptr<EventFileWriter>& w = scalars_writers_[dir];
    if (!w) {
      w = std::make_unique<EventFileWriter>(dir, file_options(options_));
    }
    pb::Summary::Value v = tagged(main_tag);
    v.set_simple_value(static_cast<float>(value));
    write_value(*w, std::move(v), step, wall_time);
  }
}

void SummaryWriter::add_histogram(const std::string& tag, const Tensor& values, int64_t step, const std::string& bins,
                                  std::optional<double> wall_time) {
  check<ValueError>(bins == "tensorflow", "add_histogram: bins must be \"tensorflow\" or a number of bins, got '", bins,
                    "'");
  add_histogram_raw(tag, make_histogram(values, tensorflow_bin_edges()), step, wall_time);
}

void SummaryWriter::add_histogram(const std::string& tag, const Tensor& values, int64_t step, int64_t bins,
                                  std::optional<double> wall_time) {
  add_histogram_raw(tag, make_histogram(values, bins), step, wall_time);
}

void SummaryWriter::add_histogram_raw(const std::string& tag, const Histogram& h, int64_t step,
                                      std::optional<double> wall_time) {
  check<ValueError>(h.bucket_limit.size() == h.bucket.size(), "add_histogram_raw: ", h.bucket_limit.size(),
                    " bucket limits but ", h.bucket.size(), " bucket counts");
  pb::Summary::Value v = tagged(tag);
  pb::HistogramProto* p = v.mutable_histo();
  p->set_min(h.min);
  p->set_max(h.max);
  p->set_num(h.num);
  p->set_sum(h.sum);
  p->set_sum_squares(h.sum_squares);
  p->mutable_bucket_limit()->Add(h.bucket_limit.begin(), h.bucket_limit.end());
  p->mutable_bucket()->Add(h.bucket.begin(), h.bucket.end());
  write_value(*writer_, std::move(v), step, wall_time);
}

void SummaryWriter::add_image(const std::string& tag, const Tensor& image, int64_t step, const std::string& dataformats,
                              std::optional<double> wall_time) {
  write_value(*writer_, image_value(tag, to_image_u8(image, dataformats, "add_image")), step, wall_time);
}

void SummaryWriter::add_images(const std::string& tag, const Tensor& images, int64_t step,
                               const std::string& dataformats, std::optional<double> wall_time) {
  check_image(images, dataformats, "add_images");
  check<ValueError>(dataformats.size() == 4, "add_images: expected a batch format ('NCHW', 'NHWC'), got '", dataformats,
                    "'");
  const auto pos = [&](char c) { return static_cast<int64_t>(dataformats.find(c)); };
  const Tensor grid = make_grid(images.permute({0, pos('C'), pos('H'), pos('W')}));
  write_value(*writer_, image_value(tag, to_image_u8(grid, "CHW", "add_images")), step, wall_time);
}

void SummaryWriter::add_text(const std::string& tag, const std::string& text, int64_t step,
                             std::optional<double> wall_time) {
  // The text plugin's content is a TextPluginData of version 0, which serializes to no bytes.
  pb::Summary::Value v = plugin_value(tag + "/text_summary", "text", "");
  pb::TensorProto* t = v.mutable_tensor();
  t->set_dtype(pb::DT_STRING);
  t->mutable_tensor_shape()->add_dim()->set_size(1);
  t->add_string_val(text);
  write_value(*writer_, std::move(v), step, wall_time);
}

void SummaryWriter::add_hparams(const HParams& hparams, const std::map<std::string, double>& metrics,
                                const std::map<std::string, std::vector<HParam>>& domain_discrete, std::string run_name,
                                int64_t step) {
  std::vector<std::string> tags;
  for (const auto& [tag, value] : metrics) tags.push_back(tag);
  const HParamsContent content = hparams_content(hparams, tags, domain_discrete);
  if (run_name.empty()) run_name = cat(std::fixed, unix_time_now());
  EventFileWriter w((std::filesystem::path(log_dir_) / run_name).string(), file_options(options_));
  write_value(w, plugin_value(kHParamsExperimentTag, kHParamsPluginName, content.experiment), step, {});
  write_value(w, plugin_value(kHParamsSessionStartTag, kHParamsPluginName, content.session_start_info), step, {});
  write_value(w, plugin_value(kHParamsSessionEndTag, kHParamsPluginName, content.session_end_info), step, {});
  for (const auto& [tag, value] : metrics) {
    pb::Summary::Value v = tagged(tag);
    v.set_simple_value(static_cast<float>(value));
    write_value(w, std::move(v), step, {});
  }
  w.close();
}

void SummaryWriter::add_graph_def(const GraphDefLike& graph, std::optional<double> wall_time) {
  pb::Event e;
  e.set_wall_time(wall_time.value_or(unix_time_now()));
  e.set_graph_def(serialize_graph_def(graph));
  writer_->add_event(e.SerializeAsString());
}

void SummaryWriter::flush() {
  writer_->flush();
  std::lock_guard lock(scalars_mu_);
  for (auto& [dir, w] : scalars_writers_) w->flush();
}

void SummaryWriter::close() {
  writer_->close();
  std::lock_guard lock(scalars_mu_);
  for (auto& [dir, w] : scalars_writers_) w->close();
}

}  // namespace tessera::io
