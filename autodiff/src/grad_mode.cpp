// The thread's gradient mode and the guards that switch it.

#include "chainrule/autodiff/grad_mode.hpp"

#include "node.hpp"
#include "sweep.hpp"

namespace chainrule::ad {

namespace detail {
thread_local constinit bool grad_mode = true;
}

bool grad_enabled() noexcept { return detail::grad_mode; }

NoGradGuard::NoGradGuard() noexcept : previous_(detail::grad_mode) { detail::grad_mode = false; }
NoGradGuard::~NoGradGuard() { detail::grad_mode = previous_; }

EnableGradGuard::EnableGradGuard() noexcept : previous_(detail::grad_mode) {
  detail::grad_mode = true;
}
EnableGradGuard::~EnableGradGuard() { detail::grad_mode = previous_; }

Var detach(const Var& v) {
  detail::TapeImpl& tape = detail::TapeImpl::of(v, "detach");
  return detail::record_constant(tape, Tensor(v.value()));
}

}  // namespace chainrule::ad
