#pragma once
/// @file
/// `Parameter`: a persistent value and gradient that outlive tape clears.

#include <memory>
#include <string>

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
class Parameter {
 public:
  explicit Parameter(Tensor value, std::string name = {});

  const std::string& name() const;
  const Tensor& value() const;
  /// Mutable access for optimizers; keep the shape (or call zero_grad after changing it).
  Tensor& value();
  const Tensor& grad() const;
  Tensor& grad();
  void zero_grad();
  Shape shape() const;
  std::size_t size() const;

  /// A leaf on the current tape that reads `value()` and accumulates into `grad()`.
  Var var() const;
  /// The same on a given tape.
  Var var(Tape& tape) const;

 private:
  std::shared_ptr<detail::ParameterData> data_;
};

}  // namespace chainrule::ad
