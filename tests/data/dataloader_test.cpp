#include "tessera/data/dataloader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "testing.h"

namespace tessera {
namespace {

using namespace tessera::testing;
using data::Batch;
using data::DataLoader;
using data::DataLoaderOptions;
using data::TensorDataset;

/// n examples {x: float32 [2] = (i, 10 i), y: int64 i}, so a batch's y lists its example indices.
TensorDataset numbered(int64_t n) {
  return TensorDataset({arange(n, kFloat32).unsqueeze(1) * make({1, 10}, kFloat32), arange(n)});
}

/// A dataset without get_batch, so loaders use get() and collate; get(throw_at) throws ValueError.
class PlainDataset : public data::Dataset {
 public:
  explicit PlainDataset(int64_t n, int64_t throw_at = -1, int sleep_us = 0)
      : n_(n), throw_at_(throw_at), sleep_us_(sleep_us) {}
  int64_t size() const override { return n_; }
  std::vector<Tensor> get(int64_t i) const override {
    if (sleep_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    check<ValueError>(i != throw_at_, "PlainDataset: example ", i, " is broken");
    return {make({static_cast<double>(i), 10.0 * static_cast<double>(i)}, kFloat32), scalar_tensor(i)};
  }

 private:
  int64_t n_, throw_at_;
  int sleep_us_;
};

/// The example indices (field 1) of every batch of one epoch, and checks field 0 matches them.
std::vector<std::vector<int64_t>> epoch_indices(DataLoader& loader) {
  std::vector<std::vector<int64_t>> out;
  for (const Batch& b : loader) {
    EXPECT_EQ(b.size(), 2u);
    std::vector<int64_t> idx = ivalues(b[1]);
    std::vector<double> expected_x;
    for (int64_t i : idx) expected_x.insert(expected_x.end(), {double(i), 10.0 * double(i)});
    EXPECT_EQ(doubles(b[0]), expected_x);
    EXPECT_EQ(b[0].shape(), (Shape{static_cast<int64_t>(idx.size()), 2}));
    out.push_back(std::move(idx));
  }
  return out;
}

std::vector<int64_t> flat(const std::vector<std::vector<int64_t>>& batches) {
  std::vector<int64_t> all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  return all;
}

// ---- Datasets -------------------------------------------------------------------------------------------------

TEST(TensorDatasetTest, GetAndGetBatch) {
  TensorDataset ds = numbered(5);
  EXPECT_EQ(ds.size(), 5);
  const auto ex = ds.get(3);
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(doubles(ex[0]), (std::vector<double>{3, 30}));
  EXPECT_EQ(ex[1].item<int64_t>(), 3);
  const auto batch = ds.get_batch({4, 0, 4});
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ((*batch)[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(ivalues((*batch)[1]), (std::vector<int64_t>{4, 0, 4}));
  expect_error<IndexError>([&] { ds.get(5); }, {"TensorDataset::get", "index 5", "size 5"});
  expect_error<IndexError>([&] { ds.get_batch({1, -1}); }, {"index -1"});
}

TEST(TensorDatasetTest, Errors) {
  expect_error<ShapeError>([] { TensorDataset({zeros({3, 2}), zeros({4})}); }, {"tensor 1", "[4]", "[3, 2]"});
  expect_error<ShapeError>([] { TensorDataset({zeros({3}), scalar_tensor(1.0)}); }, {"tensor 1", "0-d"});
  expect_error<ValueError>([] { TensorDataset({}); }, "at least one tensor");
}

TEST(SubsetTest, SubsetAndRandomSplit) {
  auto ds = std::make_shared<const TensorDataset>(numbered(10));
  data::Subset sub(ds, {7, 2});
  EXPECT_EQ(sub.size(), 2);
  EXPECT_EQ(sub.get(0)[1].item<int64_t>(), 7);
  EXPECT_EQ(ivalues((*sub.get_batch({1, 0, 1}))[1]), (std::vector<int64_t>{2, 7, 2}));
  expect_error<IndexError>([&] { data::Subset(ds, {10}); }, {"Subset", "index 10"});
  expect_error<IndexError>([&] { sub.get(2); }, {"Subset::get", "index 2"});

  const auto parts = data::random_split(ds, {7, 3}, 42);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].size(), 7);
  EXPECT_EQ(parts[1].size(), 3);
  std::vector<int64_t> all = parts[0].indices();
  all.insert(all.end(), parts[1].indices().begin(), parts[1].indices().end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, ivalues(arange(10)));
  EXPECT_EQ(data::random_split(ds, {7, 3}, 42)[0].indices(), parts[0].indices());
  EXPECT_NE(data::random_split(ds, {7, 3}, 43)[0].indices(), parts[0].indices());
  expect_error<ValueError>([&] { data::random_split(ds, {5, 4}, 0); }, {"sum to 9", "10 examples"});
  expect_error<ValueError>([&] { data::random_split(ds, {11, -1}, 0); }, {"negative size -1"});
}

// ---- default_collate ------------------------------------------------------------------------------------------

TEST(DefaultCollateTest, StacksFieldsAndNamesMismatches) {
  const Batch b =
      data::default_collate({{make({1, 2}), scalar_tensor(int64_t{3})}, {make({4, 5}), scalar_tensor(int64_t{6})}});
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(doubles(b[0]), (std::vector<double>{1, 2, 4, 5}));
  EXPECT_EQ(ivalues(b[1]), (std::vector<int64_t>{3, 6}));
  expect_error<ShapeError>(
      [] {
        data::default_collate({{zeros({2}), zeros({3})}, {zeros({2}), zeros({4})}});
      },
      {"field 1", "[3]", "example 1", "[4]"});
  expect_error<ValueError>(
      [] {
        data::default_collate({{zeros({2})}, {zeros({2}), zeros({2})}});
      },
      {"example 1 has 2 fields"});
  expect_error<ValueError>([] { data::default_collate({}); }, "no examples");
}

// ---- DataLoader -------------------------------------------------------------------------------------------------

TEST(DataLoaderTest, BatchCountsWithAndWithoutDropLast) {
  DataLoader loader(numbered(10), {.batch_size = 3});
  EXPECT_EQ(loader.size(), 4);
  auto batches = epoch_indices(loader);
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches[3], (std::vector<int64_t>{9}));
  EXPECT_EQ(flat(batches), ivalues(arange(10)));  // no shuffle: in order

  DataLoader dropping(numbered(10), {.batch_size = 3, .drop_last = true});
  EXPECT_EQ(dropping.size(), 3);
  EXPECT_EQ(epoch_indices(dropping).size(), 3u);
  DataLoader exact(numbered(9), {.batch_size = 3, .drop_last = true});
  EXPECT_EQ(exact.size(), 3);
  DataLoader empty_loader(numbered(0), {.batch_size = 3});
  EXPECT_EQ(empty_loader.size(), 0);
  EXPECT_TRUE(empty_loader.begin() == empty_loader.end());
}

TEST(DataLoaderTest, ShuffleVisitsEveryIndexOncePerEpochAndDependsOnSeedAndEpochOnly) {
  DataLoader a(numbered(50), {.batch_size = 8, .shuffle = true, .seed = 7});
  DataLoader b(numbered(50), {.batch_size = 8, .shuffle = true, .seed = 7});
  const auto a0 = flat(epoch_indices(a)), a1 = flat(epoch_indices(a));
  for (const auto& order : {a0, a1}) {
    std::vector<int64_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, ivalues(arange(50)));
  }
  EXPECT_NE(a0, ivalues(arange(50)));
  EXPECT_NE(a0, a1);  // each begin() is a new epoch
  EXPECT_EQ(a.epoch(), 2);
  EXPECT_EQ(flat(epoch_indices(b)), a0);  // same seed, same epoch: same order
  EXPECT_EQ(flat(epoch_indices(b)), a1);
  b.set_epoch(0);
  EXPECT_EQ(flat(epoch_indices(b)), a0);
  EXPECT_EQ(a.order(1), a1);
  DataLoader c(numbered(50), {.batch_size = 8, .shuffle = true, .seed = 8});
  EXPECT_NE(flat(epoch_indices(c)), a0);
  expect_error<ValueError>([&] { b.set_epoch(-1); }, "epoch must be >= 0");
}

TEST(DataLoaderTest, WorkersGiveTheSameBatchesInTheSameOrder) {
  const auto run = [](int workers, int prefetch, bool plain) {
    DataLoaderOptions o{.batch_size = 7, .shuffle = true, .seed = 3, .num_workers = workers, .prefetch = prefetch};
    DataLoader loader = plain ? DataLoader(PlainDataset(60), o) : DataLoader(numbered(60), o);
    std::vector<std::vector<int64_t>> epochs;
    for (int e = 0; e < 3; ++e) epochs.push_back(flat(epoch_indices(loader)));
    return epochs;
  };
  const auto reference = run(0, 2, false);
  EXPECT_EQ(run(0, 2, true), reference);  // get() + default_collate == get_batch
  for (int workers : {1, 2, 4}) {
    for (int prefetch : {1, 3}) {
      EXPECT_EQ(run(workers, prefetch, false), reference) << workers << " workers, prefetch " << prefetch;
      EXPECT_EQ(run(workers, prefetch, true), reference) << workers << " workers, prefetch " << prefetch;
    }
  }
}

TEST(DataLoaderTest, CustomCollateAndTransform) {
  std::atomic<int> collated{0};
  DataLoaderOptions o{.batch_size = 4, .num_workers = 2};
  o.collate = [&](std::vector<Batch> examples) {
    ++collated;
    return data::default_collate(std::move(examples));
  };
  o.transform = [](Batch b) { return Batch{b[0] * 2.0, b[1]}; };
  DataLoader loader(numbered(10), o);  // a custom collate bypasses get_batch
  std::vector<double> xs;
  for (const Batch& b : loader) {
    const auto v = doubles(b[0]);
    xs.insert(xs.end(), v.begin(), v.end());
  }
  EXPECT_EQ(collated.load(), 3);
  EXPECT_EQ(xs.size(), 20u);
  EXPECT_EQ(xs[2], 2.0);  // example 1 = (1, 10), doubled
  EXPECT_EQ(xs[19], 180.0);
}

TEST(DataLoaderTest, AugmentDrawsTheSameNumbersWhateverTheWorkers) {
  const auto run = [](int workers) {
    DataLoaderOptions o{.batch_size = 4, .shuffle = true, .seed = 5, .num_workers = workers};
    o.augment = [](Batch b, Generator& gen) { return Batch{b[0] + rand(b[0].shape(), kFloat32, &gen), b[1]}; };
    DataLoader loader(numbered(30), o);
    std::vector<std::vector<double>> epochs(2);
    for (auto& values : epochs) {
      for (const Batch& b : loader) {
        const auto v = doubles(b[0]);
        values.insert(values.end(), v.begin(), v.end());
      }
    }
    return epochs;
  };
  const auto reference = run(0);
  EXPECT_EQ(run(3), reference);
  EXPECT_EQ(run(1), reference);
  EXPECT_NE(reference[0], reference[1]);
  EXPECT_NE(data::augment_seed(5, 0, 1), data::augment_seed(5, 0, 2));
  EXPECT_NE(data::augment_seed(5, 0, 1), data::augment_seed(5, 1, 1));
  EXPECT_NE(data::augment_seed(5, 0, 1), data::augment_seed(6, 0, 1));
}

TEST(DataLoaderTest, AnExceptionWhileBuildingABatchReachesTheConsumerAtThatBatch) {
  for (int workers : {0, 1, 3}) {
    DataLoader loader(PlainDataset(20, /*throw_at=*/9), {.batch_size = 4, .num_workers = workers});
    std::vector<int64_t> seen;
    try {
      for (const Batch& b : loader) seen.push_back(ivalues(b[1])[0]);
      ADD_FAILURE() << "expected an exception";
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find("example 9 is broken"), std::string::npos) << e.what();
    }
    EXPECT_EQ(seen, (std::vector<int64_t>{0, 4})) << workers << " workers";  // batch 2 (8..11) fails
  }
  DataLoaderOptions o{.batch_size = 5, .num_workers = 2};
  o.transform = [](Batch b) -> Batch { throw ShapeError(cat("transform saw ", b.size(), " fields")); };
  DataLoader loader(numbered(10), o);
  expect_error<ShapeError>([&] { loader.begin(); }, "transform saw 2 fields");
}

TEST(DataLoaderTest, LeavingEarlyOrDestroyingTheLoaderJoinsWorkers) {
  const auto start = std::chrono::steady_clock::now();
  {
    auto loader = std::make_unique<DataLoader>(PlainDataset(400, -1, 5000),
                                               DataLoaderOptions{.batch_size = 4, .num_workers = 3, .prefetch = 2});
    auto it = loader->begin();
    EXPECT_EQ(ivalues((*it)[1]), (std::vector<int64_t>{0, 1, 2, 3}));
    ++it;
    loader.reset();  // the iterator keeps what it needs
    EXPECT_EQ(ivalues(it->at(1)), (std::vector<int64_t>{4, 5, 6, 7}));
    EXPECT_EQ(it.index(), 1);
  }  // the iterator joins its threads here, long before the 100 batches would be built
  {
    DataLoader loader(PlainDataset(400, -1, 5000), {.batch_size = 4, .num_workers = 2});
    for (const Batch& b : loader) {
      if (ivalues(b[1])[0] >= 8) break;
    }
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 0.5);
}

TEST(DataLoaderTest, OptionErrors) {
  expect_error<ValueError>([] { DataLoader(numbered(3), {.batch_size = 0}); }, "batch_size must be >= 1, got 0");
  expect_error<ValueError>([] { DataLoader(numbered(3), {.num_workers = -1}); }, "num_workers must be >= 0");
  expect_error<ValueError>([] { DataLoader(numbered(3), {.prefetch = 0}); }, "prefetch must be >= 1");
  expect_error<ValueError>([] { DataLoader(std::shared_ptr<const data::Dataset>(), {}); }, "dataset is null");
}

}  // namespace
}  // namespace tessera
