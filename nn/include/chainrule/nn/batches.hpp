#pragma once
/// @file
/// Minibatches over columns (the course's layout: one column per example).
///
/// Each epoch visits every column once, in an order drawn from the seed and the epoch number
/// (the same on every run and platform), cut into batches of `batch_size` columns; the last,
/// shorter batch is kept unless `drop_last`. Several tensors with the same number of columns
/// (inputs and targets) are cut alike.
///
/// @code
/// nn::Minibatches data({x, y}, {.batch_size = 32, .seed = 7});   // x (in × N), y (out × N)
/// for (std::uint64_t epoch = 0; epoch < 10; ++epoch) {
///   for (const nn::Batch& batch : data.epoch(epoch)) {
///     tape.clear();
///     opt.zero_grad();
///     nn::squared_error_cost(net(ad::constant(batch[0])), ad::constant(batch[1])).backward();
///     opt.step();
///   }
/// }
/// @endcode

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

#include "chainrule/autodiff/tensor.hpp"
#include "chainrule/nn/export.hpp"

namespace chainrule::nn {

namespace ad = chainrule::ad;

/// How Minibatches cuts the columns.
struct BatchOptions {
  std::size_t batch_size = 32;  ///< columns per batch (≥ 1)
  bool shuffle = true;          ///< a fresh order each epoch; false: columns in order
  std::uint64_t seed = 0;       ///< the orders' seed
  bool drop_last = false;       ///< drop the last batch when it is shorter than batch_size
};

/// One batch: the i-th tensor holds the chosen columns of the i-th data tensor, in order.
using Batch = std::vector<ad::Tensor>;

/// Minibatches of columns of one or more (rows × N) tensors.
class CHAINRULE_NN_EXPORT Minibatches {
 public:
  /// `data`: at least one 2-D tensor, all with the same number of columns (ShapeError naming
  /// the shapes otherwise); ad::Error for batch_size 0.
  Minibatches(std::vector<ad::Tensor> data, BatchOptions options);

  /// N, the number of columns (examples).
  std::size_t columns() const { return columns_; }
  /// Batches per epoch: ⌈N / batch_size⌉, or ⌊N / batch_size⌋ with drop_last.
  std::size_t batches() const;
  /// The column order of `epoch` (a permutation of 0..N−1; the identity without shuffle).
  std::vector<std::size_t> order(std::uint64_t epoch) const;

  /// The batches of one epoch, computed as they are visited.
  class CHAINRULE_NN_EXPORT Epoch {
   public:
    /// An input iterator over the epoch's batches (what range-for uses).
    class iterator {
     public:
      using iterator_category = std::input_iterator_tag;  ///< one pass
      using value_type = Batch;                           ///< what it yields
      using difference_type = std::ptrdiff_t;             ///< for the standard algorithms
      using pointer = const Batch*;                       ///< for the standard algorithms
      using reference = const Batch&;                     ///< for the standard algorithms
      /// A past-the-end iterator.
      iterator() = default;
      /// The batch at `index` of `epoch`.
      iterator(const Epoch* epoch, std::size_t index);
      /// The current batch.
      const Batch& operator*() const { return batch_; }
      /// The current batch's members.
      const Batch* operator->() const { return &batch_; }
      /// Moves to the next batch.
      iterator& operator++();
      /// Moves to the next batch.
      void operator++(int) { ++*this; }
      /// True at the same position.
      bool operator==(const iterator& other) const { return index_ == other.index_; }

     private:
      const Epoch* epoch_ = nullptr;
      std::size_t index_ = 0;
      Batch batch_;
    };
    /// The first batch.
    iterator begin() const { return iterator(this, 0); }
    /// Past the last batch.
    iterator end() const { return iterator(nullptr, count_); }
    /// Batches in this epoch.
    std::size_t size() const { return count_; }
    /// Batch `index` (< size()): the columns order[index·batch_size, ...).
    Batch operator[](std::size_t index) const;

   private:
    friend class Minibatches;
    const Minibatches* owner_ = nullptr;
    std::vector<std::size_t> order_;
    std::size_t count_ = 0;
  };

  /// The batches of `epoch` (any number: epochs are independent and reproducible). The
  /// Minibatches must outlive the Epoch.
  Epoch epoch(std::uint64_t epoch) const;

 private:
  std::vector<ad::Tensor> data_;
  BatchOptions options_;
  std::size_t columns_ = 0;
};

}  // namespace chainrule::nn
