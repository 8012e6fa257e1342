#pragma once
/// @file
/// `Parameter`: a persistent value and gradient that outlive tape clears.

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
  /// Mutable access for optimizers; keep the shape (or call zero_grad after changing it).
  Tensor& value();
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
  std::shared_ptr<detail::ParameterData> data_;
};

}  // namespace chainrule::ad
