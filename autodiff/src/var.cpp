// Var accessors and leaf creation.

#include "chainrule/autodiff/var.hpp"

#include <xtensor/xbuilder.hpp>

#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/ops.hpp"
#include "node.hpp"
#include "sweep.hpp"

namespace chainrule::ad {
namespace {

detail::Node& node_of(const Var& v, const char* op) {
  return detail::TapeImpl::of(v, op).node(v.index());
}

detail::Node& leaf_of(const Var& v, const char* op) {
  detail::Node& n = node_of(v, op);
  if (!n.is_leaf()) {
    throw Error(std::string("chainrule: ") + op + ": '" + n.name() +
                "' is not a leaf; gradients are accumulated into leaves only (use "
                "ad::grad(y, {v}) for the gradient with respect to an intermediate Var)");
  }
  return n;
}

template <class T>
Var make_leaf(T&& value, detail::LeafKind kind) {
  detail::TapeImpl& tape = current_tape().impl();
  const std::uint32_t index = tape.push(nullptr);
  detail::Node& n = tape.node(index);
  if constexpr (std::is_rvalue_reference_v<T&&>) {
    n.value = std::move(value);
  } else {
    n.value.resize(value.shape());
    std::copy(value.data(), value.data() + value.size(), n.value.data());
  }
  detail::reset_leaf_grad(n);
  n.leaf = kind;
  n.requires_grad = kind == detail::LeafKind::variable;
  detail::check_finite(n.value, n.name(), "value");
  return tape.handle(index);
}

}  // namespace

const Tensor& Var::value() const { return node_of(*this, "value").val(); }

const Tensor& Var::grad() const {
  detail::Node& n = leaf_of(*this, "grad");
  return detail::leaf_grad(n);
}

void Var::zero_grad() const {
  detail::Node& n = leaf_of(*this, "zero_grad");
  if (n.parameter) {
    n.parameter->zero_grad();
  } else {
    detail::leaf_grad(n).fill(0.0);
  }
}

Shape Var::shape() const { return shape_of(value()); }
std::size_t Var::size() const { return value().size(); }
std::size_t Var::dimension() const { return value().dimension(); }

double Var::item() const {
  const Tensor& v = value();
  if (v.size() != 1) {
    throw ShapeError("chainrule: item: the Var has shape " + to_string(shape_of(v)) + " (" +
                     std::to_string(v.size()) + " elements); item() needs exactly one");
  }
  return v.data()[0];
}

bool Var::requires_grad() const { return node_of(*this, "requires_grad").requires_grad; }
bool Var::is_leaf() const { return node_of(*this, "is_leaf").is_leaf(); }
std::string_view Var::op_name() const { return node_of(*this, "op_name").name(); }
Tape& Var::tape() const { return detail::TapeImpl::of(*this, "tape").owner(); }

bool Var::valid() const noexcept {
  return slot_ != nullptr && slot_->tape.load() != nullptr &&
         slot_->generation.load() == generation_;
}

void Var::backward() const {
  const Tensor& v = detail::value_of(*this, "backward");
  if (v.size() != 1) {
    throw TapeError("chainrule: backward: the output has shape " + to_string(shape_of(v)) + " (" +
                    std::to_string(v.size()) +
                    " elements); backward() needs a one-element output, or pass a seed "
                    "gradient of the output's shape: backward(seed)");
  }
  // Reused so a training loop's backward() allocates nothing; the sweep copies the seed
  // into the output's adjoint before anything else runs, so nested calls may reuse it.
  thread_local Tensor unit;
  unit.resize(v.shape());
  unit.fill(1.0);
  backward(unit);
}

void Var::backward(const Tensor& seed) const {
  detail::TapeImpl& tape = detail::TapeImpl::of(*this, "backward");
  detail::Sweep(tape, index_, {}, "backward").run(seed, /*accumulate_leaves=*/true);
}

Var variable(const Tensor& value) { return make_leaf(value, detail::LeafKind::variable); }
Var variable(Tensor&& value) { return make_leaf(std::move(value), detail::LeafKind::variable); }
Var constant(const Tensor& value) { return make_leaf(value, detail::LeafKind::constant); }
Var constant(Tensor&& value) { return make_leaf(std::move(value), detail::LeafKind::constant); }
Var constant(double value) { return constant(Tensor(value)); }

Var Var::at(std::initializer_list<ElementIndex> index) const {
  const Shape shape = shape_of(detail::value_of(*this, "at"));
  const auto describe = [&] {
    std::string text = "(";
    for (const ElementIndex& i : index) {
      if (text.size() > 1) text += ", ";
      text += i.too_large() ? std::to_string(static_cast<std::uintmax_t>(i.value()))
                            : std::to_string(i.value());
    }
    return text + ")";
  };
  if (index.size() != shape.size()) {
    throw ShapeError("chainrule: at: index " + describe() + " has " + std::to_string(index.size()) +
                     " entries for a Var of shape " + to_string(shape) + " (one per dimension)");
  }
  // Slice each axis down to the element, then drop the unit axes: composed from
  // differentiable ops, so the gradient (and its derivatives) come for free.
  Var element = *this;
  std::size_t axis = 0;
  for (const ElementIndex& i : index) {
    const auto extent = static_cast<std::intmax_t>(shape[axis]);
    const std::intmax_t position = i.value() < 0 ? i.value() + extent : i.value();
    if (i.too_large() || position < 0 || position >= extent) {
      throw ShapeError("chainrule: at: index " + describe() + " is out of range for shape " +
                       to_string(shape));
    }
    const auto begin = static_cast<std::size_t>(position);
    element = slice(element, axis, begin, begin + 1);
    ++axis;
  }
  return reshape(element, {});
}

}  // namespace chainrule::ad
