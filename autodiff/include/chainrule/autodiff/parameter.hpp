#pragma once
/// @file
/// `Parameter`: a persistent value and gradient that outlive tape clears.

#include <cstdint>
#include <memory>
#include <string>

#include "chainrule/autodiff/export.hpp"
#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad {

class Tape;
namespace detail {
struct ParameterData;
}

/// A trainable tensor that lives across iterations. `var()` records it as a leaf on the
/// current tape; `backward()` accumulates into `grad()`, which stays after the tape is
/// cleared. Copies share the same storage (a handle, like a PyTorch tensor), and the tape
/// keeps that storage alive for as long as it refers to it.
///
/// Like PyTorch's tensors, a parameter has a version that every modification bumps (mutable
/// `value()`, `assign`, an optimizer's step). A Var records the version it read; `backward()`
/// and `ad::grad` through it throw TapeError naming the parameter when it changed since,
/// instead of mixing old and new values. A moved-from Parameter is empty: every member
/// throws TapeError, as an empty Var's do.
/// @snippet autodiff_examples.cpp parameter
class CHAINRULE_AUTODIFF_EXPORT Parameter {
 public:
  /// A parameter holding `value` (its gradient starts at zeros); `name` is for messages and
  /// checkpoints.
  explicit Parameter(Tensor value, std::string name = {});

  /// The name given at construction (may be empty).
  const std::string& name() const;
  /// The current value.
  const Tensor& value() const;
  /// Mutable access for optimizers: counts as a modification (bumps `version()`), so Vars
  /// recorded before can no longer be differentiated. Read through the const overload
  /// (`std::as_const(p).value()`). Keep the shape (or call zero_grad after changing it).
  Tensor& value();
  /// Replaces the value (any shape; the gradient is reset to zeros of it). A modification.
  void assign(Tensor value);
  /// Records an in-place change made through a pointer obtained earlier (bumps `version()`).
  void mark_modified();
  /// How many times the value was modified since construction.
  std::uint64_t version() const;
  /// The gradient accumulated by every `backward()` since the last `zero_grad()`.
  const Tensor& grad() const;
  /// Mutable access to the gradient (optimizers and solvers set it directly).
  Tensor& grad();
  /// Resets the gradient to zeros of the value's shape.
  void zero_grad();
  /// The value's shape.
  Shape shape() const;
  /// The value's number of elements.
  std::size_t size() const;

  /// Freezes (false) or unfreezes (true) the parameter: a frozen one is recorded as a
  /// constant, so no gradient reaches it and `backward()` leaves its `grad()` alone.
  /// Optimizers skip frozen parameters.
  /// @code
  /// encoder_weight.set_requires_grad(false);  // fine-tune the rest only
  /// @endcode
  void set_requires_grad(bool enabled);
  /// False when frozen by `set_requires_grad(false)`.
  bool requires_grad() const;

  /// A leaf on the current tape that reads `value()` and accumulates into `grad()`.
  Var var() const;
  /// The same on a given tape.
  Var var(Tape& tape) const;

 private:
  detail::ParameterData& data(const char* op) const;

  std::shared_ptr<detail::ParameterData> data_;
};

}  // namespace chainrule::ad
