#include "tessera/data/dataset.h"

#include "tessera/core/rng.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/index.h"
#include "tessera/ops/random.h"

namespace tessera::data {
namespace {

void check_index(int64_t index, int64_t size, const char* who) {
  check<IndexError>(index >= 0 && index < size, who, ": index ", index, " is out of range for a dataset of size ",
                    size);
}

}  // namespace

std::optional<std::vector<Tensor>> Dataset::get_batch(const std::vector<int64_t>& /*indices*/) const {
  return std::nullopt;
}

TensorDataset::TensorDataset(std::vector<Tensor> tensors) : tensors_(std::move(tensors)) {
  check<ValueError>(!tensors_.empty(), "TensorDataset: needs at least one tensor");
  for (size_t i = 0; i < tensors_.size(); ++i) {
    check<ShapeError>(tensors_[i].dim() > 0, "TensorDataset: tensor ", i, " is 0-d; every tensor needs a dim 0");
    check<ShapeError>(tensors_[i].size(0) == tensors_[0].size(0), "TensorDataset: tensor ", i, " has shape ",
                      fmt_shape(tensors_[i].shape()), " but tensor 0 has shape ", fmt_shape(tensors_[0].shape()),
                      "; all tensors must have the same size of dim 0");
  }
  size_ = tensors_[0].size(0);
}

std::vector<Tensor> TensorDataset::get(int64_t index) const {
  check_index(index, size_, "TensorDataset::get");
  std::vector<Tensor> example;
  example.reserve(tensors_.size());
  for (const Tensor& t : tensors_) example.push_back(t.select(0, index));
  return example;
}

std::optional<std::vector<Tensor>> TensorDataset::get_batch(const std::vector<int64_t>& indices) const {
  for (int64_t i : indices) check_index(i, size_, "TensorDataset::get_batch");
  const Tensor index = from_vector(indices);
  std::vector<Tensor> batch;
  batch.reserve(tensors_.size());
  for (const Tensor& t : tensors_) batch.push_back(index_select(t, 0, index));
  return batch;
}

Subset::Subset(std::shared_ptr<const Dataset> dataset, std::vector<int64_t> indices)
    : dataset_(std::move(dataset)), indices_(std::move(indices)) {
  check<ValueError>(dataset_ != nullptr, "Subset: the dataset is null");
  for (int64_t i : indices_) check_index(i, dataset_->size(), "Subset");
}

std::vector<Tensor> Subset::get(int64_t index) const {
  check_index(index, size(), "Subset::get");
  return dataset_->get(indices_[index]);
}

std::optional<std::vector<Tensor>> Subset::get_batch(const std::vector<int64_t>& indices) const {
  std::vector<int64_t> mapped;
  mapped.reserve(indices.size());
  for (int64_t i : indices) {
    check_index(i, size(), "Subset::get_batch");
    mapped.push_back(indices_[i]);
  }
  return dataset_->get_batch(mapped);
}

std::vector<Subset> random_split(std::shared_ptr<const Dataset> dataset, const std::vector<int64_t>& sizes,
                                 uint64_t seed) {
  check<ValueError>(dataset != nullptr, "random_split: the dataset is null");
  int64_t total = 0;
  for (int64_t s : sizes) {
    check<ValueError>(s >= 0, "random_split: negative size ", s);
    total += s;
  }
  check<ValueError>(total == dataset->size(), "random_split: sizes sum to ", total, " but the dataset has ",
                    dataset->size(), " examples");
  Generator gen(seed);
  const Tensor perm = randperm(total, kInt64, &gen);
  const int64_t* p = perm.data_ptr<const int64_t>();
  std::vector<Subset> parts;
  int64_t start = 0;
  for (int64_t s : sizes) {
    parts.emplace_back(dataset, std::vector<int64_t>(p + start, p + start + s));
    start += s;
  }
  return parts;
}

}  // namespace tessera::data
