// Parameter: persistent storage recorded as a leaf on demand.

#include "chainrule/autodiff/parameter.hpp"

#include <xtensor/xbuilder.hpp>

#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/tape.hpp"
#include "node.hpp"

namespace chainrule::ad {

Parameter::Parameter(Tensor value, std::string name)
    : data_(std::make_shared<detail::ParameterData>()) {
  data_->value = std::move(value);
  data_->name = std::move(name);
}

detail::ParameterData& Parameter::data(const char* op) const {
  if (!data_) {
    throw TapeError(std::string("chainrule: Parameter::") + op +
                    ": the Parameter is empty (it was moved from)");
  }
  return *data_;
}

void detail::ParameterData::check_grad_shape(const char* op) const {
  if (grad.shape() == value.shape()) return;
  throw ShapeError(std::string("chainrule: ") + op + ": parameter" +
                   (name.empty() ? "" : " '" + name + "'") + " has shape " +
                   to_string(shape_of(value)) + " but its gradient has shape " +
                   to_string(shape_of(grad)) + "; call zero_grad() after reshaping a parameter");
}

const std::string& Parameter::name() const { return data("name").name; }
const Tensor& Parameter::value() const { return data("value").value; }
Tensor& Parameter::value() {
  detail::ParameterData& d = data("value");
  d.version.fetch_add(1, std::memory_order_relaxed);
  return d.value;
}
void Parameter::assign(Tensor value) {
  detail::ParameterData& d = data("assign");
  d.version.fetch_add(1, std::memory_order_relaxed);
  d.value = std::move(value);
  d.zero_grad();
}
void Parameter::mark_modified() {
  data("mark_modified").version.fetch_add(1, std::memory_order_relaxed);
}
std::uint64_t Parameter::version() const {
  return data("version").version.load(std::memory_order_relaxed);
}
const Tensor& Parameter::grad() const { return data("grad").materialized_grad(); }
Tensor& Parameter::grad() { return data("grad").materialized_grad(); }
Shape Parameter::shape() const { return shape_of(data("shape").value); }
std::size_t Parameter::size() const { return data("size").value.size(); }

void Parameter::zero_grad() { data("zero_grad").zero_grad(); }

void Parameter::set_requires_grad(bool enabled) {
  data("set_requires_grad").requires_grad = enabled;
}

bool Parameter::requires_grad() const { return data("requires_grad").requires_grad; }

Var Parameter::var() const {
  data("var");
  return var(current_tape());
}

Var Parameter::var(Tape& tape) const {
  detail::ParameterData& d = data("var");
  detail::TapeImpl& impl = tape.impl();
  const std::uint32_t index = impl.push(nullptr);
  detail::Node& n = impl.node(index);
  n.parameter = data_;
  impl.hold(index);
  n.leaf = detail::LeafKind::parameter;
  n.requires_grad = d.requires_grad;
  n.set_params(detail::RecordedVersion{d.version.load(std::memory_order_relaxed)});
  detail::check_finite(d.value, "parameter", "value");
  return impl.handle(index);
}

}  // namespace chainrule::ad
