#include "tessera/data/dataloader.h"

#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>
#include <variant>

#include "tessera/autograd/grad_mode.h"
#include "tessera/core/parallel.h"
#include "tessera/core/rng.h"
#include "tessera/ops/random.h"
#include "tessera/ops/shape.h"

namespace tessera::data {

Batch default_collate(std::vector<Batch> examples) {
  check<ValueError>(!examples.empty(), "default_collate: no examples to collate");
  const Batch& first = examples[0];
  Batch batch;
  batch.reserve(first.size());
  for (size_t i = 1; i < examples.size(); ++i) {
    check<ValueError>(examples[i].size() == first.size(), "default_collate: example ", i, " has ", examples[i].size(),
                      " fields but example 0 has ", first.size());
  }
  std::vector<Tensor> field(examples.size());
  for (size_t f = 0; f < first.size(); ++f) {
    for (size_t i = 0; i < examples.size(); ++i) {
      check<ShapeError>(examples[i][f].shape() == first[f].shape(), "default_collate: field ", f,
                        ": example 0 has shape ", fmt_shape(first[f].shape()), " but example ", i, " has shape ",
                        fmt_shape(examples[i][f].shape()));
      field[i] = examples[i][f];
    }
    batch.push_back(stack(field, 0));
  }
  return batch;
}

/// One epoch: the example order, the batch being looked at, and (with workers) the threads building batches
/// ahead and the batches they finished, keyed by batch index so the consumer takes them in order.
class EpochRun {
 public:
  EpochRun(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options, std::vector<int64_t> order,
           int64_t num_batches, int64_t epoch)
      : dataset_(std::move(dataset)),
        options_(std::move(options)),
        order_(std::move(order)),
        epoch_(epoch),
        num_batches_(num_batches),
        capacity_(int64_t{options_.num_workers} * options_.prefetch) {
    for (int w = 0; w < options_.num_workers; ++w) workers_.emplace_back([this] { work(); });
  }
  ~EpochRun() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    space_.notify_all();
    for (std::thread& t : workers_) t.join();
  }
  EpochRun(const EpochRun&) = delete;
  EpochRun& operator=(const EpochRun&) = delete;

  bool done() const { return index_ >= num_batches_; }
  int64_t index() const { return index_; }
  const Batch& current() const {
    check<ValueError>(!done(), "DataLoader: dereferencing an iterator past the last batch");
    check<ValueError>(current_.has_value(), "DataLoader: batch ", index_, " failed to build");
    return *current_;
  }

  /// Moves to the next batch and builds it (or takes it from the workers). If building throws, the iterator
  /// stays on that batch without a value, and the next advance() moves past it.
  void advance() {
    current_.reset();
    if (++index_ >= num_batches_) return;
    current_ = workers_.empty() ? build(index_) : take(index_);
  }

 private:
  using Result = std::variant<Batch, std::exception_ptr>;

  /// Batch b: its examples gathered by get_batch when the dataset offers it (and no custom collate is set),
  /// else one get() per example and the collate function; then the transform and the augmentation.
  Batch build(int64_t b) const {
    NoGradGuard no_grad;  // data never needs a tape, whatever the thread's state
    const int64_t bs = options_.batch_size;
    const auto first = order_.begin() + b * bs;
    const std::vector<int64_t> indices(first, first + std::min<int64_t>(bs, std::ssize(order_) - b * bs));
    std::optional<Batch> batch;
    if (!options_.collate) batch = dataset_->get_batch(indices);
    if (!batch) {
      std::vector<Batch> examples;
      examples.reserve(indices.size());
      for (int64_t i : indices) examples.push_back(dataset_->get(i));
      batch = options_.collate ? options_.collate(std::move(examples)) : default_collate(std::move(examples));
    }
    if (options_.transform) batch = options_.transform(std::move(*batch));
    if (options_.augment) {
      Generator gen(augment_seed(options_.seed, epoch_, b));
      batch = options_.augment(std::move(*batch), gen);
    }
    return std::move(*batch);
  }

  /// Worker thread: claims the next batch while fewer than capacity_ are claimed but not yet consumed.
  void work() {
    // Kernels in a worker run serially: its batches are small, and threads of its own would compete with the
    // training step's for the cores.
    set_thread_num_threads(1);
    for (;;) {
      int64_t b = 0;
      {
        std::unique_lock lock(mutex_);
        space_.wait(lock, [&] { return stop_ || next_claim_ >= num_batches_ || next_claim_ < consumed_ + capacity_; });
        if (stop_ || next_claim_ >= num_batches_) return;
        b = next_claim_++;
      }
      Result r;
      try {
        r = build(b);
      } catch (...) {
        r = std::current_exception();
      }
      {
        std::lock_guard lock(mutex_);
        finished_.emplace(b, std::move(r));
      }
      ready_.notify_all();
    }
  }

  /// Waits for batch b from the workers; rethrows the exception that building it raised.
  Batch take(int64_t b) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return finished_.count(b) > 0; });
    auto node = finished_.extract(b);
    consumed_ = b + 1;
    lock.unlock();
    space_.notify_all();
    if (auto* e = std::get_if<std::exception_ptr>(&node.mapped())) std::rethrow_exception(*e);
    return std::move(std::get<Batch>(node.mapped()));
  }

  const std::shared_ptr<const Dataset> dataset_;
  const DataLoaderOptions options_;
  const std::vector<int64_t> order_;
  const int64_t epoch_;
  const int64_t num_batches_;
  const int64_t capacity_;
  int64_t index_ = -1;
  std::optional<Batch> current_;

  std::mutex mutex_;
  std::condition_variable ready_;  // a batch was finished
  std::condition_variable space_;  // a batch was consumed, or stop
  std::map<int64_t, Result> finished_;
  int64_t next_claim_ = 0;
  int64_t consumed_ = 0;
  bool stop_ = false;
  std::vector<std::thread> workers_;  // last: started after everything they use is initialised
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  check<ValueError>(dataset_ != nullptr, "DataLoader: the dataset is null");
  check<ValueError>(options_.batch_size >= 1, "DataLoader: batch_size must be >= 1, got ", options_.batch_size);
  check<ValueError>(options_.num_workers >= 0, "DataLoader: num_workers must be >= 0, got ", options_.num_workers);
  check<ValueError>(options_.prefetch >= 1, "DataLoader: prefetch must be >= 1, got ", options_.prefetch);
}

int64_t DataLoader::size() const {
  const int64_t n = dataset_->size(), bs = options_.batch_size;
  return options_.drop_last ? n / bs : (n + bs - 1) / bs;
}

void DataLoader::set_epoch(int64_t epoch) {
  check<ValueError>(epoch >= 0, "DataLoader::set_epoch: epoch must be >= 0, got ", epoch);
  epoch_ = epoch;
}

std::vector<int64_t> DataLoader::order(int64_t epoch) const {
  const int64_t n = dataset_->size();
  std::vector<int64_t> order(n);
  if (!options_.shuffle) {
    std::iota(order.begin(), order.end(), int64_t{0});
    return order;
  }
  // Note [Loader determinism]: epoch e reads its own slice of the seed's stream.
  Generator gen(options_.seed);
  gen.set_offset(static_cast<uint64_t>(epoch) * random_blocks(n, kRandintWords));
  const Tensor perm = randperm(n, kInt64, &gen);
  std::copy_n(perm.data_ptr<const int64_t>(), n, order.begin());
  return order;
}

uint64_t augment_seed(uint64_t seed, int64_t epoch, int64_t batch) {
  // SplitMix64's finaliser (Steele et al., 2014) spreads (seed, epoch, batch) over all 64 bits, so nearby
  // batches get unrelated Philox keys.
  const auto mix = [](uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
  };
  return mix(mix(mix(seed) ^ static_cast<uint64_t>(epoch)) ^ static_cast<uint64_t>(batch));
}

DataLoader::Iterator DataLoader::begin() {
  auto run = std::make_shared<EpochRun>(dataset_, options_, order(epoch_), size(), epoch_);
  ++epoch_;
  run->advance();
  return Iterator(std::move(run));
}

const Batch& DataLoader::Iterator::operator*() const {
  check<ValueError>(run_ != nullptr, "DataLoader::Iterator: dereferencing a default-constructed iterator");
  return run_->current();
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  check<ValueError>(run_ != nullptr && !run_->done(), "DataLoader::Iterator: incrementing past the last batch");
  run_->advance();
  return *this;
}

bool DataLoader::Iterator::operator==(std::default_sentinel_t) const { return run_ == nullptr || run_->done(); }

int64_t DataLoader::Iterator::index() const { return run_ ? run_->index() : 0; }

}  // namespace tessera::data
