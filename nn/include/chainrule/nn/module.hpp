#pragma once
/// @file
/// `Module`: a differentiable function that owns named parameters.
///
/// ## The layout convention (the course's, used everywhere in chainrule::nn)
///
/// **Activations are (features × batch): one column per example.** A dense layer computes
///
///     z = W·a + b,    W: (out × in),  a: (in × batch),  b: (out × 1),  z: (out × batch)
///
/// exactly as the "Mathematics for Machine Learning: Multivariate Calculus" backpropagation
/// assignment writes it; `b` is broadcast along the columns. A single example is an
/// (in × 1) column. Losses count examples as columns (N = number of columns).

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/parameter.hpp"
#include "chainrule/autodiff/var.hpp"
#include "chainrule/nn/export.hpp"

namespace chainrule::nn {

namespace ad = chainrule::ad;

/// A trainable tensor: the engine's persistent value + gradient handle. Copies share storage,
/// so an optimizer given `module.parameters()` updates the module's own tensors. Any
/// `std::vector<ad::Parameter>` works with chainrule::optim, whether it came from a Module or
/// not.
using Parameter = ad::Parameter;

/// A parameter with its full dotted name inside a module tree ("layers.0.weight").
struct NamedParameter {
  std::string name;     ///< "layers.0.weight"
  Parameter parameter;  ///< the handle
};
/// Parameters with their names, in a module's stable order.
using NamedParameters = std::vector<NamedParameter>;

/// A name that a module or checkpoint does not know, or a name given twice.
class CHAINRULE_NN_EXPORT NameError : public ad::Error {
 public:
  using ad::Error::Error;
};

/// Base of every layer and model. A module owns parameters and child modules under local
/// names; `named_parameters()` walks the tree and joins names with dots, children after the
/// module's own parameters, each in registration order (a stable order that checkpoints and
/// optimizers rely on).
///
/// Modules are move-only: a copy would silently share the parameters' storage.
/// A module of your own registers its parameters (and child modules) in its constructor:
/// @snippet nn_optim_examples.cpp module
class CHAINRULE_NN_EXPORT Module {
 public:
  /// No parameters, no children.
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  /// Takes over the parameters and children.
  Module(Module&&) = default;
  /// Takes over the parameters and children.
  Module& operator=(Module&&) = default;

  /// The module applied to `input` (features × batch), recorded on the input's tape.
  virtual ad::Var forward(const ad::Var& input) const = 0;
  /// `forward(input)`.
  ad::Var operator()(const ad::Var& input) const { return forward(input); }

  /// "Linear(1 → 6)", "Sigmoid", ...: the module's kind and configuration.
  virtual std::string name() const = 0;
  /// The module tree, one line per module, for logs.
  std::string summary() const;

  /// Every parameter of the tree with its dotted name, in a stable order.
  NamedParameters named_parameters() const;
  /// The same handles without names (what an optimizer takes).
  std::vector<Parameter> parameters() const;
  /// Total number of trainable scalars.
  std::size_t parameter_count() const;
  /// The parameter with this dotted name; NameError listing the known names if there is none.
  Parameter parameter(const std::string& dotted_name) const;
  /// Copies `value` into the named parameter; ShapeError naming the parameter and both
  /// shapes if they differ, NameError if the name is unknown.
  void assign(const std::string& dotted_name, const ad::Tensor& value);
  /// Zeros every parameter's accumulated gradient.
  void zero_grad();

  /// Direct children with their local names, in registration order.
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const {
    return children_;
  }

 protected:
  /// Registers a parameter under a local name (no dots); returns its handle.
  Parameter register_parameter(const std::string& local_name, ad::Tensor value);
  /// Registers a child module under a local name; its parameters appear as "name.*".
  void register_module(const std::string& local_name, std::shared_ptr<Module> child);

 private:
  void collect(const std::string& prefix, NamedParameters& out) const;
  void describe(const std::string& prefix, int depth, std::string& out) const;

  std::vector<std::pair<std::string, Parameter>> parameters_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

/// The Var a forward pass uses for `p`: `p.var()` on the current tape, or, while a
/// `ParameterBinding` for `p` is active on this thread, the Var bound to it. Layers call this
/// instead of `p.var()` so that `flat_function` can differentiate a model with respect to a
/// flat vector of all its parameters (Hessians, Gauss–Newton).
CHAINRULE_NN_EXPORT ad::Var parameter_var(const Parameter& p);

/// While alive, makes `parameter_var(params[i])` return `vars[i]` on this thread. Scopes nest
/// (the innermost binding of a parameter wins).
class CHAINRULE_NN_EXPORT ParameterBinding {
 public:
  /// Binds `vars[i]` to `params[i]`: equal lengths (ad::Error) and shapes (ad::ShapeError).
  ParameterBinding(std::vector<Parameter> params, std::vector<ad::Var> vars);
  ~ParameterBinding();
  ParameterBinding(const ParameterBinding&) = delete;
  ParameterBinding& operator=(const ParameterBinding&) = delete;

  /// The bound Var of `p`, or nullptr when this scope (or an outer one) does not bind it.
  const ad::Var* find(const Parameter& p) const;

 private:
  std::vector<Parameter> params_;
  std::vector<ad::Var> vars_;
  const ParameterBinding* previous_;
};

/// Names a plain list of parameters for checkpoints: each parameter's own `name()`, or
/// "<index>" when it has none. NameError when two parameters end up with the same name.
CHAINRULE_NN_EXPORT NamedParameters named(const std::vector<Parameter>& params);

}  // namespace chainrule::nn
