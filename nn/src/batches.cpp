// Minibatches: a seeded permutation per epoch, batches gathered column by column.

#include "chainrule/nn/batches.hpp"

#include <algorithm>
#include <numeric>

#include "chainrule/autodiff/errors.hpp"
#include "chainrule/nn/init.hpp"

namespace chainrule::nn {
namespace {

// Uniform in [0, bound) without modulo bias (rejection), from the generator's raw words.
std::uint64_t below(std::uint64_t bound, Generator& g) {
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  std::uint64_t r = 0;
  do r = g.next();
  while (r >= limit);
  return r % bound;
}

// A seed per epoch: SplitMix64 of (seed, epoch), so neighbouring epochs are unrelated.
std::uint64_t epoch_seed(std::uint64_t seed, std::uint64_t epoch) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (epoch + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

Minibatches::Minibatches(std::vector<ad::Tensor> data, BatchOptions options)
    : data_(std::move(data)), options_(options) {
  if (options_.batch_size == 0) {
    throw ad::Error("chainrule: Minibatches: batch_size must be at least 1, got 0");
  }
  if (data_.empty()) throw ad::Error("chainrule: Minibatches: no data tensors");
  for (std::size_t i = 0; i < data_.size(); ++i) {
    if (data_[i].dimension() != 2) {
      throw ad::ShapeError("chainrule: Minibatches: data tensor " + std::to_string(i) +
                           " must be 2-D (rows × examples), got shape " +
                           ad::to_string(ad::shape_of(data_[i])));
    }
    if (data_[i].shape()[1] != data_[0].shape()[1]) {
      throw ad::ShapeError("chainrule: Minibatches: data tensor " + std::to_string(i) +
                           " has shape " + ad::to_string(ad::shape_of(data_[i])) +
                           ", tensor 0 has " + ad::to_string(ad::shape_of(data_[0])) +
                           ": every tensor needs the same number of columns");
    }
  }
  columns_ = data_[0].shape()[1];
}

std::size_t Minibatches::batches() const {
  const std::size_t full = columns_ / options_.batch_size;
  return options_.drop_last || columns_ % options_.batch_size == 0 ? full : full + 1;
}

std::vector<std::size_t> Minibatches::order(std::uint64_t epoch) const {
  std::vector<std::size_t> order(columns_);
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (options_.shuffle) {
    Generator g(epoch_seed(options_.seed, epoch));
    for (std::size_t i = columns_; i > 1; --i) std::swap(order[i - 1], order[below(i, g)]);
  }
  return order;
}

Minibatches::Epoch Minibatches::epoch(std::uint64_t epoch) const {
  Epoch e;
  e.owner_ = this;
  e.order_ = order(epoch);
  e.count_ = batches();
  return e;
}

Batch Minibatches::Epoch::operator[](std::size_t index) const {
  if (index >= count_) {
    throw ad::Error("chainrule: Minibatches: batch " + std::to_string(index) + " of an epoch of " +
                    std::to_string(count_));
  }
  const std::size_t size = owner_->options_.batch_size;
  const std::size_t begin = index * size;
  const std::size_t end = std::min(begin + size, order_.size());
  Batch out;
  for (const ad::Tensor& t : owner_->data_) {
    const std::size_t rows = t.shape()[0];
    const std::size_t n = t.shape()[1];
    ad::Tensor b = ad::Tensor::from_shape({rows, end - begin});
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = begin; c < end; ++c) {
        b.data()[r * (end - begin) + (c - begin)] = t.data()[r * n + order_[c]];
      }
    }
    out.push_back(std::move(b));
  }
  return out;
}

Minibatches::Epoch::iterator::iterator(const Epoch* epoch, std::size_t index)
    : epoch_(epoch), index_(index) {
  if (epoch_ != nullptr && index_ < epoch_->count_) batch_ = (*epoch_)[index_];
}

Minibatches::Epoch::iterator& Minibatches::Epoch::iterator::operator++() {
  ++index_;
  batch_ = epoch_ != nullptr && index_ < epoch_->count_ ? (*epoch_)[index_] : Batch{};
  return *this;
}

}  // namespace chainrule::nn
