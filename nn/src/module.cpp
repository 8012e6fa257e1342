// Module: named parameters and children; parameter binding for flat functions.

#include "chainrule/nn/module.hpp"

#include <algorithm>
#include <set>

namespace chainrule::nn {
namespace {

thread_local const ParameterBinding* active_binding = nullptr;

void check_local_name(const std::string& name, const char* what) {
  if (name.empty() || name.find('.') != std::string::npos) {
    throw NameError(std::string("chainrule: Module: ") + what + " name '" + name +
                    "' must be non-empty and contain no '.'");
  }
}

}  // namespace

void Module::collect(const std::string& prefix, NamedParameters& out) const {
  for (const auto& [name, p] : parameters_) out.push_back({prefix + name, p});
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

NamedParameters Module::named_parameters() const {
  NamedParameters out;
  collect("", out);
  return out;
}

std::vector<Parameter> Module::parameters() const {
  std::vector<Parameter> out;
  for (NamedParameter& np : named_parameters()) out.push_back(std::move(np.parameter));
  return out;
}

std::size_t Module::parameter_count() const {
  std::size_t n = 0;
  for (const NamedParameter& np : named_parameters()) n += np.parameter.size();
  return n;
}

Parameter Module::parameter(const std::string& dotted_name) const {
  const NamedParameters all = named_parameters();
  for (const NamedParameter& np : all) {
    if (np.name == dotted_name) return np.parameter;
  }
  std::string known;
  for (const NamedParameter& np : all) known += (known.empty() ? "" : ", ") + np.name;
  throw NameError("chainrule: Module::parameter: " + name() + " has no parameter '" + dotted_name +
                  "'; its parameters are: " + (known.empty() ? "(none)" : known));
}

void Module::assign(const std::string& dotted_name, const ad::Tensor& value) {
  Parameter p = parameter(dotted_name);
  if (p.value().shape() != value.shape()) {
    throw ad::ShapeError("chainrule: Module::assign: parameter '" + dotted_name + "' has shape " +
                         ad::to_string(p.shape()) + ", the new value has shape " +
                         ad::to_string(ad::shape_of(value)));
  }
  p.value() = value;
}

void Module::zero_grad() {  // walks the tree without building names: called every step
  for (auto& entry : parameters_) entry.second.zero_grad();
  for (auto& entry : children_) entry.second->zero_grad();
}

Parameter Module::register_parameter(const std::string& local_name, ad::Tensor value) {
  check_local_name(local_name, "parameter");
  for (const auto& [name, p] : parameters_) {
    if (name == local_name) {
      throw NameError("chainrule: Module: parameter '" + local_name + "' registered twice");
    }
  }
  parameters_.emplace_back(local_name, Parameter(std::move(value), local_name));
  return parameters_.back().second;
}

void Module::register_module(const std::string& local_name, std::shared_ptr<Module> child) {
  // A module's name may be dotted ("layers.0"): it is a prefix of its parameters' names.
  if (local_name.empty() || local_name.front() == '.' || local_name.back() == '.' ||
      local_name.find("..") != std::string::npos) {
    throw NameError("chainrule: Module: module name '" + local_name + "' is not a dotted name");
  }
  if (!child) throw ad::Error("chainrule: Module: child '" + local_name + "' is null");
  for (const auto& [name, c] : children_) {
    if (name == local_name) {
      throw NameError("chainrule: Module: module '" + local_name + "' registered twice");
    }
  }
  children_.emplace_back(local_name, std::move(child));
}

void Module::describe(const std::string& prefix, int depth, std::string& out) const {
  out += std::string(static_cast<std::size_t>(2 * depth), ' ');
  if (!prefix.empty()) out += "(" + prefix + "): ";
  out += name();
  if (!parameters_.empty()) {
    out += "  [";
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
      out += (i ? ", " : "") + parameters_[i].first + " " +
             ad::to_string(parameters_[i].second.shape());
    }
    out += "]";
  }
  out += "\n";
  for (const auto& [name, child] : children_) child->describe(name, depth + 1, out);
}

std::string Module::summary() const {
  std::string out;
  describe("", 0, out);
  out += "parameters: " + std::to_string(parameter_count()) + "\n";
  return out;
}

ad::Var parameter_var(const Parameter& p) {
  if (active_binding != nullptr) {
    if (const ad::Var* bound = active_binding->find(p)) return *bound;
  }
  return p.var();
}

ParameterBinding::ParameterBinding(std::vector<Parameter> params, std::vector<ad::Var> vars)
    : params_(std::move(params)), vars_(std::move(vars)), previous_(active_binding) {
  if (params_.size() != vars_.size()) {
    throw ad::Error("chainrule: ParameterBinding: " + std::to_string(params_.size()) +
                    " parameters but " + std::to_string(vars_.size()) + " Vars");
  }
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (vars_[i].shape() != params_[i].shape()) {
      throw ad::ShapeError("chainrule: ParameterBinding: parameter " + std::to_string(i) + " ('" +
                           params_[i].name() + "') has shape " + ad::to_string(params_[i].shape()) +
                           ", its Var has shape " + ad::to_string(vars_[i].shape()));
    }
  }
  active_binding = this;
}

ParameterBinding::~ParameterBinding() { active_binding = previous_; }

const ad::Var* ParameterBinding::find(const Parameter& p) const {
  // Parameters are handles: the address of the shared value identifies the storage.
  const ad::Tensor* key = &p.value();
  for (const ParameterBinding* b = this; b != nullptr; b = b->previous_) {
    for (std::size_t i = 0; i < b->params_.size(); ++i) {
      if (&std::as_const(b->params_[i]).value() == key) return &b->vars_[i];
    }
  }
  return nullptr;
}

NamedParameters named(const std::vector<Parameter>& params) {
  NamedParameters out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < params.size(); ++i) {
    std::string name = params[i].name().empty() ? std::to_string(i) : params[i].name();
    if (!seen.insert(name).second) {
      throw NameError("chainrule: named: two parameters are called '" + name +
                      "'; give them distinct names");
    }
    out.push_back({std::move(name), params[i]});
  }
  return out;
}

}  // namespace chainrule::nn
