// Parameter: persistent storage recorded as a leaf on demand.

#include "chainrule/autodiff/parameter.hpp"

#include <xtensor/xbuilder.hpp>

#include "chainrule/autodiff/tape.hpp"
#include "node.hpp"

namespace chainrule::ad {

Parameter::Parameter(Tensor value, std::string name)
    : data_(std::make_shared<detail::ParameterData>()) {
  data_->grad = xt::zeros<double>(value.shape());
  data_->value = std::move(value);
  data_->name = std::move(name);
}

const std::string& Parameter::name() const { return data_->name; }
const Tensor& Parameter::value() const { return data_->value; }
Tensor& Parameter::value() { return data_->value; }
const Tensor& Parameter::grad() const { return data_->grad; }
Tensor& Parameter::grad() { return data_->grad; }
Shape Parameter::shape() const { return shape_of(data_->value); }
std::size_t Parameter::size() const { return data_->value.size(); }

void Parameter::zero_grad() {
  if (data_->grad.shape() != data_->value.shape()) {
    data_->grad = xt::zeros<double>(data_->value.shape());
  } else {
    data_->grad.fill(0.0);
  }
}

void Parameter::set_requires_grad(bool enabled) { data_->requires_grad = enabled; }

bool Parameter::requires_grad() const { return data_->requires_grad; }

Var Parameter::var() const { return var(current_tape()); }

Var Parameter::var(Tape& tape) const {
  detail::TapeImpl& impl = tape.impl();
  const std::uint32_t index = impl.push(nullptr);
  detail::Node& n = impl.node(index);
  n.parameter = data_;
  n.leaf = detail::LeafKind::parameter;
  n.requires_grad = data_->requires_grad;
  detail::check_finite(data_->value, "parameter", "value");
  return impl.handle(index);
}

}  // namespace chainrule::ad
