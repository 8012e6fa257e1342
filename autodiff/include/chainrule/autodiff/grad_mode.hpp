#pragma once
/// @file
/// Switching gradient recording off and on: `NoGradGuard`, `EnableGradGuard`, `detach`.

#include "chainrule/autodiff/export.hpp"
#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad {

/// True unless a `NoGradGuard` of this thread is alive (and no `EnableGradGuard` inside it).
CHAINRULE_AUTODIFF_EXPORT bool grad_enabled() noexcept;

/// While it lives, operations on this thread record nothing that needs a gradient: their
/// results are constants (`requires_grad()` is false), so evaluating a model, or updating
/// parameters by hand, costs no backward bookkeeping. Leaves (`variable`, `Parameter::var`)
/// still require a gradient; only what is computed from them does not. Guards nest, and each
/// restores the mode it found.
/// @code
/// {
///   ad::NoGradGuard no_grad;
///   ad::Var prediction = model(x);  // a constant: nothing to differentiate
/// }
/// @endcode
class CHAINRULE_AUTODIFF_EXPORT NoGradGuard {
 public:
  NoGradGuard() noexcept;
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

/// The opposite of `NoGradGuard`: gradients are recorded while it lives, whatever an outer
/// guard says. The calculus functions (`jacobian`, `hessian`, `gradcheck`, the solvers) use
/// one, because they differentiate what they record.
class CHAINRULE_AUTODIFF_EXPORT EnableGradGuard {
 public:
  EnableGradGuard() noexcept;
  ~EnableGradGuard();
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool previous_;
};

/// `v`'s value as a constant on `v`'s tape: gradients stop here (PyTorch's `detach`).
/// @code
/// ad::Var target = ad::detach(prediction);  // a fixed target, not differentiated through
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Var detach(const Var& v);

}  // namespace chainrule::ad
