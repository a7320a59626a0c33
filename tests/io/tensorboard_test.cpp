// SummaryWriter end to end through our EventFileReader: file naming and header, exact scalar values, the
// histogram bucket layout (hand-computed), PNG images, text, hyperparameters, graphs, the background writer's
// flush/close behaviour, and clean stops on damaged files.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <thread>

#include "io/io_testing.h"
#include "tessera/io/tensorboard/event_reader.h"
#include "tessera/io/tensorboard/image.h"
#include "tessera/io/tensorboard/summary_writer.h"
#include "tessera/io/tensorboard/utf8.h"
#include "testing.h"

namespace tessera::io {
namespace {

using testing::expect_error;
using testing::make;
using testing::read_string;
using testing::TempDir;
using testing::write_string;
using Kind = SummaryValue::Kind;

// The summary values of a run's single event file, in order (the file_version header skipped).
std::vector<std::pair<int64_t, SummaryValue>> values_of(const std::string& run_dir) {
  const std::vector<std::string> files = event_files(run_dir);
  EXPECT_EQ(files.size(), 1u) << run_dir;
  std::vector<std::pair<int64_t, SummaryValue>> out;
  if (files.empty()) return out;
  for (const EventRecord& e : read_events(files[0])) {
    for (const SummaryValue& v : e.values) out.emplace_back(e.step, v);
  }
  return out;
}

TEST(EventFileName, TensorBoardsPattern) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const std::string a = event_file_name(1234567890.9, ".v2"), b = event_file_name(42);
  // events.out.tfevents.<time>.<host>.<pid>.<counter><suffix>
  const std::string prefix = cat("events.out.tfevents.1234567890.", host, ".", getpid(), ".");
  ASSERT_EQ(a.rfind(prefix, 0), 0u) << a;
  ASSERT_GT(a.size(), prefix.size() + 3) << a;
  const std::string counter = a.substr(prefix.size(), a.size() - prefix.size() - 3);
  EXPECT_EQ(counter.find_first_not_of("0123456789"), std::string::npos) << a;
  EXPECT_EQ(a.substr(a.size() - 3), ".v2") << a;
  EXPECT_EQ(b.rfind("events.out.tfevents.0000000042.", 0), 0u) << b;
  EXPECT_NE(event_file_name(42), b);  // the per-process counter
}

TEST(SummaryWriter, CreatesTheDirectoryAndAHeaderEvent) {
  TempDir dir;
  const double before = unix_time_now();
  SummaryWriter w(dir.file("a/b/run"), {.filename_suffix = ".x"});
  const double after = unix_time_now();
  ASSERT_TRUE(std::filesystem::is_directory(dir.file("a/b/run")));
  const std::vector<std::string> files = event_files(dir.file("a/b/run"));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0], w.file_path());
  const std::string name = std::filesystem::path(files[0]).filename().string();
  EXPECT_EQ(name.rfind("events.out.tfevents.", 0), 0u);
  EXPECT_EQ(name.substr(name.size() - 2), ".x");
  // The header is flushed by the constructor: readable before any flush().
  const std::vector<EventRecord> events = read_events(files[0]);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  EXPECT_GE(events[0].wall_time, std::floor(before));
  EXPECT_LE(events[0].wall_time, after + 1);
}

TEST(SummaryWriter, ScalarsRoundTripExactly) {
  TempDir dir;
  {
    SummaryWriter w(dir.file("run"));
    w.add_scalar("loss", 0.5, 1, 1000.25);
    w.add_scalar("loss", 0.1, 2, 1001.5);
    w.add_scalar("acc", make<float>({0.75f}, {}), 2);
    w.add_scalar("big", 1e30, 3);
    expect_error<ValueError>([&] { w.add_scalar("bad", make<float>({1, 2}, {2}), 0); }, {"add_scalar", "[2]"});
  }  // the destructor closes
  const auto values = values_of(dir.file("run"));
  ASSERT_EQ(values.size(), 4u);
  EXPECT_EQ(values[0].second.tag, "loss");
  EXPECT_EQ(values[0].second.kind, Kind::kScalar);
  EXPECT_EQ(values[1].second.scalar, double(0.1f));  // simple_value is a float32
  const RunScalars s = read_scalars(dir.file("run"));
  EXPECT_TRUE(s.errors.empty());
  ASSERT_EQ(s.tags.at("loss").size(), 2u);
  EXPECT_EQ(s.tags.at("loss")[0].step, 1);
  EXPECT_EQ(s.tags.at("loss")[0].value, 0.5);
  EXPECT_EQ(s.tags.at("loss")[0].wall_time, 1000.25);
  EXPECT_EQ(s.tags.at("loss")[1].step, 2);
  EXPECT_EQ(s.tags.at("acc")[0].value, 0.75);
  EXPECT_EQ(s.tags.at("big")[0].value, double(1e30f));
}

TEST(SummaryWriter, AddScalarsWritesOneRunPerKeyLikePyTorch) {
  TempDir dir;
  {
    SummaryWriter w(dir.file("run"));
    w.add_scalars("loss/all", {{"train", 1.0}, {"val", 2.0}}, 5);
    w.add_scalars("loss/all", {{"train", 0.5}}, 6);
    w.add_scalar("lr", 0.1, 5);
  }
  EXPECT_EQ(find_runs(dir.file("run")), (std::vector<std::string>{".", "loss_all_train", "loss_all_val"}));
  const RunScalars train = read_scalars(dir.file("run/loss_all_train"));
  ASSERT_EQ(train.tags.size(), 1u);
  ASSERT_EQ(train.tags.at("loss/all").size(), 2u);
  EXPECT_EQ(train.tags.at("loss/all")[1].step, 6);
  EXPECT_EQ(train.tags.at("loss/all")[1].value, 0.5);
  EXPECT_EQ(read_scalars(dir.file("run/loss_all_val")).tags.at("loss/all")[0].value, 2.0);
  EXPECT_EQ(read_scalars(dir.file("run")).tags.count("loss/all"), 0u);
}

TEST(Histogram, BucketsOverGivenEdgesAreHandComputed) {
  // Edges 0..4: [0,1) empty, [1,2) holds 1 and 1.5, [2,3) holds 2.5, [3,4] holds 4 (the last bin is closed);
  // 5 and -1 fall outside and are not counted, but min, max, num, sum and sum_squares include them.
  const Histogram h = make_histogram(make<double>({2.5, 1.0, 1.5, 4.0, 5.0, -1.0}, {2, 3}), {0, 1, 2, 3, 4});
  EXPECT_EQ(h.bucket_limit, (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(h.bucket, (std::vector<double>{0, 2, 1, 1}));
  EXPECT_EQ(h.min, -1.0);
  EXPECT_EQ(h.max, 5.0);
  EXPECT_EQ(h.num, 6.0);
  EXPECT_EQ(h.sum, 13.0);
  EXPECT_EQ(h.sum_squares, 51.5);
  // A first bin that is not empty gets an empty bucket before it, limited by the first edge.
  const Histogram first = make_histogram(make<float>({0.0f, 0.5f}, {2}), {0, 1, 2});
  EXPECT_EQ(first.bucket_limit, (std::vector<double>{0, 1}));
  EXPECT_EQ(first.bucket, (std::vector<double>{0, 2}));
  // Equal-width bins from min to max (numpy's bins=2): [1, 2) and [2, 3].
  const Histogram two = make_histogram(make<int64_t>({1, 3, 3, 2}, {4}), 2);
  EXPECT_EQ(two.bucket_limit, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(two.bucket, (std::vector<double>{0, 1, 3}));
}

TEST(Histogram, TensorflowEdgesAndDefaultLayout) {
  const std::vector<double>& e = tensorflow_bin_edges();
  ASSERT_EQ(e.size(), 2u * 774 + 1);  // 1e-12 * 1.1^k < 1e20 for k = 0..773
  EXPECT_EQ(e[774], 0.0);
  EXPECT_EQ(e[775], 1e-12);
  EXPECT_EQ(e[773], -1e-12);
  EXPECT_TRUE(std::is_sorted(e.begin(), e.end()));
  // Values {0, 0, 1, -1}: k is the edge below 1 (e_k <= 1 < e_k+1, e_k = e[775 + k]).
  size_t k = 0;
  while (e[775 + k + 1] <= 1.0) ++k;
  const Histogram h = make_histogram(make<float>({0, 0, 1, -1}, {4}), e);
  // From the bucket ending at -e_k+1 (empty, added before the first filled bin) to the one ending at e_k+1.
  ASSERT_EQ(h.bucket.size(), 2 * k + 5);
  EXPECT_EQ(h.bucket_limit.front(), -e[775 + k + 1]);
  EXPECT_EQ(h.bucket_limit.back(), e[775 + k + 1]);
  EXPECT_EQ(h.bucket[0], 0.0);
  EXPECT_EQ(h.bucket[1], 1.0);      // -1 in [-e_k+1, -e_k)
  EXPECT_EQ(h.bucket[k + 3], 2.0);  // the zeros in [0, 1e-12)
  EXPECT_EQ(h.bucket_limit[k + 3], 1e-12);
  EXPECT_EQ(h.bucket.back(), 1.0);  // 1 in [e_k, e_k+1)
  double total = 0;
  for (double c : h.bucket) total += c;
  EXPECT_EQ(total, 4.0);
}

TEST(Histogram, Errors) {
  expect_error<ValueError>(
      [] {
        make_histogram(empty({0, 3}), tensorflow_bin_edges());
      },
      {"add_histogram", "no elements"});
  expect_error<ValueError>([] { make_histogram(make<float>({1}, {1}), {1.0, 1.0}); }, "increase");
  expect_error<ValueError>([] { make_histogram(make<float>({1}, {1}), 0); }, "bins");
  TempDir dir;
  SummaryWriter w(dir.file("run"));
  expect_error<ValueError>([&] { w.add_histogram("h", make<float>({1}, {1}), 0, "auto"); }, "tensorflow");
}

TEST(SummaryWriter, HistogramRoundTrip) {
  TempDir dir;
  const Tensor x = make<float>({2.5, 1.0, 1.5, 4.0}, {4});
  {
    SummaryWriter w(dir.file("run"));
    w.add_histogram("w", x, 7);
    w.add_histogram("w10", x, 8, int64_t{3});
  }
  const auto values = values_of(dir.file("run"));
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0].first, 7);
  const Histogram& h = values[0].second.histogram;
  const Histogram expected = make_histogram(x, tensorflow_bin_edges());
  EXPECT_EQ(values[0].second.kind, Kind::kHistogram);
  EXPECT_EQ(h.bucket_limit, expected.bucket_limit);
  EXPECT_EQ(h.bucket, expected.bucket);
  EXPECT_EQ(h.sum, 9.0);
  EXPECT_EQ(h.sum_squares, 6.25 + 1 + 2.25 + 16);
  EXPECT_EQ(h.num, 4.0);
  // Three equal bins over [1, 4]: [1, 2) {1, 1.5}, [2, 3) {2.5}, [3, 4] {4}.
  EXPECT_EQ(values[1].second.histogram.bucket, (std::vector<double>{0, 2, 1, 1}));
  EXPECT_EQ(values[1].second.histogram.bucket_limit, (std::vector<double>{1, 2, 3, 4}));
}

TEST(SummaryWriter, ImagesArePngsOfTheRightSize) {
  TempDir dir;
  std::vector<float> chw;
  for (int i = 0; i < 3 * 2 * 4; ++i) chw.push_back(float(i) / 23.0f);
  const Tensor img = make<float>(chw, {3, 2, 4});
  {
    SummaryWriter w(dir.file("run"));
    w.add_image("img", img, 1);
    w.add_image("hwc", img.permute({1, 2, 0}), 2, "HWC");
    w.add_images("batch", make<uint8_t>(std::vector<uint8_t>(3 * 1 * 5 * 6, 200), {3, 1, 5, 6}), 3);
    expect_error<ShapeError>([&] { w.add_image("bad", make<float>({1, 2}, {2}), 0); }, {"add_image", "[2]"});
    expect_error<DTypeError>([&] { w.add_image("bad", make<int64_t>({1}, {1, 1, 1}), 0); }, {"add_image", "[1, 1, 1]"});
    expect_error<ShapeError>([&] { w.add_images("bad", img, 0); }, {"add_images", "[3, 2, 4]"});
  }
  const auto values = values_of(dir.file("run"));
  ASSERT_EQ(values.size(), 3u);
  for (int i = 0; i < 2; ++i) {
    const ImageSummary& s = values[i].second.image;
    EXPECT_EQ(values[i].second.kind, Kind::kImage);
    EXPECT_EQ(s.height, 2);
    EXPECT_EQ(s.width, 4);
    EXPECT_EQ(s.colorspace, 3);
    const ImageU8 png = decode_png(s.encoded);
    EXPECT_EQ(png.pixels, to_image_u8(img).pixels);
    EXPECT_EQ(png.pixels[3 * 1 + 0], static_cast<uint8_t>(1.0f / 23.0f * 255.0f));  // red of pixel (0, 1)
  }
  // Three 5x6 images in one row with 2 pixels of padding: 9 x 26.
  const ImageSummary& grid = values[2].second.image;
  EXPECT_EQ(grid.height, 9);
  EXPECT_EQ(grid.width, 26);
  const ImageU8 g = decode_png(grid.encoded);
  EXPECT_EQ(g.pixels[0], 0);                   // padding
  EXPECT_EQ(g.pixels[(2 * 26 + 2) * 3], 200);  // first pixel of the first image
}

TEST(SummaryWriter, TextIsAStringTensorOfTheTextPlugin) {
  TempDir dir;
  {
    SummaryWriter w(dir.file("run"));
    w.add_text("notes", "hello **world**", 3);
  }
  const auto values = values_of(dir.file("run"));
  ASSERT_EQ(values.size(), 1u);
  const SummaryValue& v = values[0].second;
  EXPECT_EQ(values[0].first, 3);
  EXPECT_EQ(v.tag, "notes/text_summary");
  EXPECT_EQ(v.kind, Kind::kTensor);
  EXPECT_EQ(v.plugin_name, "text");
  EXPECT_EQ(v.tensor.dtype, 7);  // DT_STRING
  EXPECT_EQ(v.tensor.shape, (Shape{1}));
  EXPECT_EQ(v.tensor.strings, (std::vector<std::string>{"hello **world**"}));
}

TEST(SummaryWriter, HparamsGoToASubRunWithTheirMetrics) {
  TempDir dir;
  {
    SummaryWriter w(dir.file("run"));
    w.add_hparams({{"lr", 0.1}, {"optimizer", "adam"}, {"bn", true}, {"layers", 3}}, {{"hparam/accuracy", 0.9}},
                  {{"optimizer", {"adam", "sgd"}}}, "trial1");
    expect_error<ValueError>([&] { w.add_hparams({}, {}); }, "add_hparams");
    expect_error<ValueError>([&] { w.add_hparams({{"lr", 0.1}}, {}, {{"lr", {"x"}}}, "t2"); }, {"add_hparams", "lr"});
  }
  const auto values = values_of(dir.file("run/trial1"));
  ASSERT_EQ(values.size(), 4u);
  EXPECT_EQ(values[0].second.tag, "_hparams_/experiment");
  EXPECT_EQ(values[1].second.tag, "_hparams_/session_start_info");
  EXPECT_EQ(values[2].second.tag, "_hparams_/session_end_info");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(values[i].second.plugin_name, "hparams");
    EXPECT_EQ(values[i].second.kind, Kind::kNone);
    EXPECT_FALSE(values[i].second.plugin_content.empty());
  }
  // The session start holds the string value; the experiment names the metric.
  EXPECT_NE(values[1].second.plugin_content.find("adam"), std::string::npos);
  EXPECT_NE(values[0].second.plugin_content.find("hparam/accuracy"), std::string::npos);
  EXPECT_EQ(values[3].second.tag, "hparam/accuracy");
  EXPECT_EQ(values[3].second.scalar, double(0.9f));
}

TEST(SummaryWriter, GraphDefRoundTrip) {
  TempDir dir;
  const GraphDefLike g{
      {{"input", "Input", {}, {{-1, 1, 28, 28}}, kFloat32, "", ""},
       {"conv1/weight", "Parameter", {}, {{8, 1, 3, 3}}, kFloat32, "", ""},
       {"conv1/conv2d", "conv2d", {"input", "conv1/weight"}, {{-1, 8, 26, 26}}, kFloat32, "stride=1", "cpu"},
       {"argmax", "argmax", {"conv1/conv2d:0"}, {{-1}}, kInt64, "", ""}}};
  {
    SummaryWriter w(dir.file("run"));
    w.add_graph_def(g);
    expect_error<ValueError>([&] { w.add_graph_def({{{"a", "x"}, {"a", "y"}}}); }, {"add_graph_def", "'a'"});
    expect_error<KeyError>([&] { w.add_graph_def({{{"a", "x", {"nope"}}}}); }, {"add_graph_def", "'a'", "'nope'"});
    expect_error<ValueError>([&] { w.add_graph_def({{{"", "x"}}}); }, "empty name");
  }
  const std::vector<EventRecord> events = read_events(event_files(dir.file("run"))[0]);
  ASSERT_EQ(events.size(), 2u);
  const GraphDefLike back = parse_graph_def(events[1].graph_def);
  ASSERT_EQ(back.nodes.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(back.nodes[i].name, g.nodes[i].name);
    EXPECT_EQ(back.nodes[i].op, g.nodes[i].op);
    EXPECT_EQ(back.nodes[i].inputs, g.nodes[i].inputs);
    EXPECT_EQ(back.nodes[i].output_shapes, g.nodes[i].output_shapes);
    EXPECT_EQ(back.nodes[i].dtype, g.nodes[i].dtype);
    EXPECT_EQ(back.nodes[i].attr, g.nodes[i].attr);
    EXPECT_EQ(back.nodes[i].device, g.nodes[i].device);
  }
  expect_error<ValueError>([] { parse_graph_def("\xff\xff\xff"); }, "GraphDef");
}

TEST(Utf8, ValidAndInvalidSequences) {
  for (const char* ok : {"", "loss/train", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9D\x84\x9E", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_TRUE(is_valid_utf8(ok)) << ok;
  }
  // A lone continuation byte, an overlong '/', a surrogate, a code point above U+10FFFF, a cut sequence.
  for (const char* bad : {"\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "a\xFF"}) {
    EXPECT_FALSE(is_valid_utf8(bad)) << bad;
  }
}

TEST(SummaryWriter, StringsThatAreNotUtf8AreRejectedBeforeProtobufSeesThem) {
  TempDir dir;
  SummaryWriter w(dir.file("run"));
  expect_error<ValueError>([&] { w.add_scalar("bad\xFF", 1.0); }, {"tag", "UTF-8"});
  expect_error<ValueError>([&] { w.add_graph_def({{{"n\xC0\xAF", "x"}}}); }, {"add_graph_def", "UTF-8"});
  expect_error<ValueError>([&] { w.add_hparams({{"opt", "\xFF"}}, {}); }, {"add_hparams", "UTF-8"});
  w.add_text("t", "text is bytes: \xFF is kept", 0);  // string_val is a bytes field
  w.close();
  EXPECT_EQ(values_of(dir.file("run"))[0].second.tensor.strings[0], "text is bytes: \xFF is kept");
}

TEST(SummaryWriter, UnwritableLogDirIsAnIOErrorNamingIt) {
  TempDir dir;
  write_string(dir.file("file"), "x");
  expect_error<IOError>([&] { SummaryWriter w(dir.file("file/run")); }, dir.file("file/run"));
  expect_error<ValueError>([&] { SummaryWriter w(dir.file("run"), {.max_queue = 0}); }, "max_queue");
}

TEST(SummaryWriter, FlushMakesEventsReadableAndCloseEndsWriting) {
  TempDir dir;
  SummaryWriter w(dir.file("run"), {.max_queue = 1000, .flush_secs = 3600});
  for (int i = 0; i < 5; ++i) w.add_scalar("x", i, i);
  w.flush();
  EXPECT_EQ(read_scalars(dir.file("run")).tags.at("x").size(), 5u);
  w.close();
  w.close();  // idempotent
  expect_error<IOError>([&] { w.add_scalar("x", 1, 1); }, "closed");
}

// The file size limit (RLIMIT_FSIZE, with SIGXFSZ ignored) makes the writer thread's next write fail with EFBIG.
TEST(SummaryWriter, AWriteErrorInTheBackgroundIsThrownByTheNextCalls) {
  TempDir dir;
  SummaryWriter w(dir.file("run"), {.flush_secs = 0});
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto* old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = std::filesystem::file_size(w.file_path()) + 8;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  w.add_scalar("x", 1, 1);
  const std::string error = testing::error_of([&] { w.flush(); });
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(error.find(w.file_path()), std::string::npos) << error;
  EXPECT_NE(error.find("File too large"), std::string::npos) << error;
  expect_error<IOError>([&] { w.add_scalar("x", 2, 2); }, w.file_path());  // every later call
  expect_error<IOError>([&] { w.close(); }, w.file_path());                // close reports it once
  w.close();
}

TEST(SummaryWriter, SmallQueueAndManyThreadsLoseNothing) {
  TempDir dir;
  {
    SummaryWriter w(dir.file("run"), {.max_queue = 1, .flush_secs = 0});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&w, t] {
        for (int i = 0; i < 50; ++i) w.add_scalar(cat("t", t), i, i);
      });
    }
    for (auto& th : threads) th.join();
  }
  const RunScalars s = read_scalars(dir.file("run"));
  ASSERT_EQ(s.tags.size(), 4u);
  for (const auto& [tag, points] : s.tags) {
    ASSERT_EQ(points.size(), 50u) << tag;
    for (int i = 0; i < 50; ++i) EXPECT_EQ(points[i].value, i);  // each thread's order is kept
  }
}

TEST(EventFileReader, StopsAtACorruptByteAndNamesFileAndOffset) {
  TempDir dir;
  std::string path;
  {
    SummaryWriter w(dir.file("run"));
    for (int i = 0; i < 3; ++i) w.add_scalar("x", i, i);
    path = w.file_path();
  }
  const std::vector<EventRecord> good = read_events(path);
  ASSERT_EQ(good.size(), 4u);
  std::string bytes = read_string(path);
  bytes[good[2].offset + 14] ^= 0x20;  // a data byte of the second scalar's record
  write_string(path, bytes);
  EventFileReader r(path);
  ASSERT_TRUE(r.next());
  ASSERT_TRUE(r.next());
  expect_error<IOError>([&] { r.next(); }, {path, "byte offset " + std::to_string(good[2].offset), "corrupt"});
  const RunScalars s = read_scalars(dir.file("run"));
  EXPECT_EQ(s.tags.at("x").size(), 1u);  // the points before the damage
  EXPECT_TRUE(s.truncated.empty());
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_NE(s.errors[0].find("byte offset " + std::to_string(good[2].offset)), std::string::npos);
}

TEST(EventFileReader, TruncatedFileLosesOnlyTheLastRecord) {
  TempDir dir;
  std::string path;
  {
    SummaryWriter w(dir.file("run"));
    for (int i = 0; i < 3; ++i) w.add_scalar("x", i, i);
    path = w.file_path();
  }
  const std::vector<EventRecord> good = read_events(path);
  const std::string bytes = read_string(path);
  write_string(path, bytes.substr(0, bytes.size() - 3));
  expect_error<TruncatedRecordError>([&] { read_events(path); },
                                     {"truncated", "byte offset " + std::to_string(good[3].offset)});
  const RunScalars s = read_scalars(dir.file("run"));
  EXPECT_EQ(s.tags.at("x").size(), 2u);
  EXPECT_EQ(s.truncated.size(), 1u);
  EXPECT_TRUE(s.errors.empty());
  expect_error<IOError>([&] { EventFileReader r(dir.file("missing")); }, "missing");
  EXPECT_TRUE(read_scalars(dir.file("missing")).tags.empty());
}

}  // namespace
}  // namespace tessera::io
