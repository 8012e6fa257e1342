// User-defined operations: the user's forward, and a rule that calls the user's backward.

#include "chainrule/autodiff/function.hpp"

#include "chainrule/autodiff/errors.hpp"
#include "sweep.hpp"

namespace chainrule::ad {
namespace {

using detail::Node;

void check_gradient(const Node& n, std::size_t k, const Tensor& input, const Tensor& gradient) {
  const auto& g = gradient.shape();
  if (!detail::shapes_equal(g, input.shape()) && !detail::shapes_equal(g, n.val().shape())) {
    throw ShapeError("chainrule: " + n.extras->label + ": backward returned a gradient of shape " +
                     to_string(shape_of(gradient)) + " for input " + std::to_string(k) +
                     " of shape " + to_string(shape_of(input)) + " (output shape " +
                     to_string(shape_of(n.val())) + ")");
  }
}

struct Custom {
  static constexpr const char* name = "function";
  template <class S>
  static void backward(S& s) {
    detail::TapeImpl& tape = s.tape();
    Node& n = s.node();
    std::vector<Var> inputs;
    for (std::uint32_t i : n.inputs) inputs.push_back(tape.handle(i));
    const std::vector<Var> grads =
        n.extras->function->backward(s.recorded_grad(), inputs, tape.handle(s.index()));
    if (grads.size() != inputs.size()) {
      throw Error("chainrule: " + n.extras->label + ": backward returned " +
                  std::to_string(grads.size()) + " gradients for " + std::to_string(inputs.size()) +
                  " inputs");
    }
    for (std::size_t k = 0; k < grads.size(); ++k) {
      if (!grads[k].valid() || !s.needs(k)) continue;
      check_gradient(n, k, s.tape().node(n.inputs[k]).val(), grads[k].value());
      s.accumulate(k, grads[k]);
    }
  }
};

}  // namespace

Var apply(std::unique_ptr<Function> function, const std::vector<Var>& inputs) {
  if (!function) throw Error("chainrule: apply: the Function is null");
  std::vector<const Var*> operands;
  operands.reserve(inputs.size());
  for (const Var& v : inputs) operands.push_back(&v);
  std::string label = function->name();
  Tensor value = function->forward(inputs);
  return detail::record<Custom>(operands, [&](Node& n) {
    n.value = std::move(value);
    n.extra().label = std::move(label);
    n.extra().function = std::move(function);
  });
}

}  // namespace chainrule::ad
