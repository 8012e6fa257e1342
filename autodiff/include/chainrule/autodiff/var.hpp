#pragma once
/// @file
/// `Var`: a handle to one tensor recorded on a tape.

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "chainrule/autodiff/export.hpp"
#include "chainrule/autodiff/tensor.hpp"

namespace chainrule::ad {

class Tape;
namespace detail {
struct TapeSlot;
class TapeImpl;
}  // namespace detail

/// One index of `Var::at`: any integer type; negative indices count from the end (numpy).
class ElementIndex {
 public:
  /// The index `i`, of any integer type (implicit, so that `v.at({i, j})` reads naturally).
  template <std::integral T>
  ElementIndex(T i) noexcept  // NOLINT(google-explicit-constructor): `v.at({i, j})`
      : value_(static_cast<std::intmax_t>(i)), too_large_(exceeds_intmax(i)) {}
  /// The index as a signed integer (negative: from the end).
  std::intmax_t value() const { return value_; }
  /// True when the given unsigned index did not fit in `std::intmax_t` (`at` then throws).
  bool too_large() const { return too_large_; }

 private:
  template <std::integral T>
  static constexpr bool exceeds_intmax(T i) noexcept {
    if constexpr (std::unsigned_integral<T>) {
      return static_cast<std::uintmax_t>(i) > static_cast<std::uintmax_t>(INTMAX_MAX);
    } else {
      return false;
    }
  }
  std::intmax_t value_;
  bool too_large_;
};

/// A handle to a value recorded on a tape: a leaf (`variable`, `constant`, `Parameter::var`)
/// or the result of an operation. Copying a Var copies the handle, not the tensor.
///
/// A Var is valid until its tape is cleared or destroyed; using it after that throws
/// TapeError (it never reads freed memory).
class CHAINRULE_AUTODIFF_EXPORT Var {
 public:
  /// An empty handle; every accessor throws until a recorded Var is assigned to it.
  Var() = default;

  /// The recorded value.
  const Tensor& value() const;
  /// The gradient accumulated by `backward()` into this leaf (zeros before the first
  /// backward). Throws for non-leaves: use `ad::grad(y, {v})` for those.
  const Tensor& grad() const;
  /// Resets the accumulated gradient of this leaf to zeros.
  void zero_grad() const;

  /// The value's shape.
  Shape shape() const;
  /// The value's number of elements.
  std::size_t size() const;
  /// The value's number of dimensions (0 for a scalar).
  std::size_t dimension() const;
  /// The single element of a one-element Var.
  double item() const;

  /// The element at `index` (one index per dimension; negative ones count from the end) as a
  /// 0-d Var, differentiable: its gradient lands in that element only. An index out of
  /// range throws ShapeError naming the index and the shape.
  /// @code
  /// ad::Var W = ad::variable(ad::Tensor{{1.0, 2.0}, {3.0, 4.0}});
  /// ad::Var w12 = W.at({0, 1});  // 2.0; d w12 / dW = {{0, 1}, {0, 0}}
  /// @endcode
  Var at(std::initializer_list<ElementIndex> index) const;

  /// True when a gradient flows to this Var (a `variable` or anything computed from one).
  bool requires_grad() const;
  /// True for a Var recorded by `variable`, `constant` or `Parameter::var()`.
  bool is_leaf() const;
  /// The name of the operation that produced this Var ("variable", "matmul", ...).
  std::string_view op_name() const;

  /// Reverse sweep from this one-element Var: accumulates d(this)/d(leaf) into the `grad()`
  /// of every leaf that requires a gradient.
  void backward() const;
  /// Reverse sweep seeded with `seed` (same shape as this Var): accumulates seedᵀ·J.
  /// @snippet autodiff_examples.cpp backward
  void backward(const Tensor& seed) const;

  /// The tape this Var is recorded on.
  Tape& tape() const;
  /// Position on the tape (creation order).
  std::uint32_t index() const { return index_; }
  /// False for an empty Var or one whose tape has been cleared or destroyed.
  bool valid() const noexcept;

 private:
  friend class detail::TapeImpl;
  Var(detail::TapeSlot* slot, std::uint32_t index, std::uint64_t generation)
      : slot_(slot), index_(index), generation_(generation) {}

  detail::TapeSlot* slot_ = nullptr;
  std::uint32_t index_ = 0;
  std::uint64_t generation_ = 0;
};

/// A leaf that requires a gradient, recorded on the current tape. (The copy goes into the
/// tape's reused storage, so recording the same shapes every iteration allocates nothing.)
/// @snippet autodiff_examples.cpp variable
CHAINRULE_AUTODIFF_EXPORT Var variable(const Tensor& value);
/// The same, taking the value's buffer.
CHAINRULE_AUTODIFF_EXPORT Var variable(Tensor&& value);
/// A leaf without a gradient, recorded on the current tape.
/// @snippet autodiff_examples.cpp constant
CHAINRULE_AUTODIFF_EXPORT Var constant(const Tensor& value);
/// The same, taking the value's buffer.
CHAINRULE_AUTODIFF_EXPORT Var constant(Tensor&& value);
/// A one-element constant.
CHAINRULE_AUTODIFF_EXPORT Var constant(double value);

}  // namespace chainrule::ad
