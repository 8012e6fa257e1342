#pragma once
/// @file
/// Layers: `Linear` (z = W·a + b), activations, `Sequential`, and the `mlp` builder.
///
/// Activations are (features × batch), one column per example; `Linear(in, out)` holds
/// W (out × in) and b (out × 1) — the course's convention, see module.hpp.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "chainrule/nn/export.hpp"
#include "chainrule/nn/init.hpp"
#include "chainrule/nn/module.hpp"

namespace chainrule::nn {

/// Dense layer `z = W·a + b`: W (out × in), b (out × 1) broadcast along the batch columns.
/// Parameters "weight" and "bias". Records exactly two operations (matmul, add).
/// @snippet nn_optim_examples.cpp linear
class CHAINRULE_NN_EXPORT Linear : public Module {
 public:
  /// W and b drawn by `init` (weight then bias, row-major) from `generator`.
  Linear(std::size_t in_features, std::size_t out_features, const Initializer& init,
         Generator& generator);
  /// The same from a fresh generator seeded with `seed`.
  Linear(std::size_t in_features, std::size_t out_features,
         const Initializer& init = init::glorot_uniform(), std::uint64_t seed = 0);
  /// Given values: `weight` (out × in) and `bias` (out × 1); ShapeError if they disagree.
  Linear(ad::Tensor weight, ad::Tensor bias);

  /// `a` must be 2-D with `in_features()` rows; ShapeError naming the layer and shapes.
  ad::Var forward(const ad::Var& a) const override;
  std::string name() const override;

  /// Rows of the input: W's columns.
  std::size_t in_features() const { return in_; }
  /// Rows of the output: W's rows.
  std::size_t out_features() const { return out_; }
  /// W, (out × in).
  const Parameter& weight() const { return weight_; }
  /// b, (out × 1).
  const Parameter& bias() const { return bias_; }

 private:
  /// Validated (weight, bias).
  explicit Linear(std::pair<ad::Tensor, ad::Tensor> weight_and_bias);

  std::size_t in_;
  std::size_t out_;
  Parameter weight_;
  Parameter bias_;
};

/// σ(z) = 1 / (1 + e⁻ᶻ), elementwise.
class CHAINRULE_NN_EXPORT Sigmoid : public Module {
 public:
  ad::Var forward(const ad::Var& z) const override;
  std::string name() const override { return "Sigmoid"; }
};

/// tanh(z), elementwise.
class CHAINRULE_NN_EXPORT Tanh : public Module {
 public:
  ad::Var forward(const ad::Var& z) const override;
  std::string name() const override { return "Tanh"; }
};

/// max(z, 0), elementwise.
class CHAINRULE_NN_EXPORT ReLU : public Module {
 public:
  ad::Var forward(const ad::Var& z) const override;
  std::string name() const override { return "ReLU"; }
};

/// log(1 + eᶻ), elementwise, without overflow.
class CHAINRULE_NN_EXPORT Softplus : public Module {
 public:
  ad::Var forward(const ad::Var& z) const override;
  std::string name() const override { return "Softplus"; }
};

/// z unchanged (records nothing).
class CHAINRULE_NN_EXPORT Identity : public Module {
 public:
  ad::Var forward(const ad::Var& z) const override { return z; }
  std::string name() const override { return "Identity"; }
};

/// The elementwise activations a layer stack can use (`mlp`, `make_activation`).
enum class Activation { sigmoid, tanh, relu, softplus, identity };

/// "sigmoid", "tanh", ...
CHAINRULE_NN_EXPORT std::string to_string(Activation activation);
/// The inverse of to_string; NameError listing the choices for an unknown name.
CHAINRULE_NN_EXPORT Activation activation_from_string(const std::string& name);
/// A fresh module computing `activation`.
CHAINRULE_NN_EXPORT std::shared_ptr<Module> make_activation(Activation activation);

/// Applies its layers in order. Layer i is registered as "layers.<i>", so parameters are named
/// "layers.0.weight", "layers.0.bias", "layers.2.weight", ...
class CHAINRULE_NN_EXPORT Sequential : public Module {
 public:
  /// No layers yet: the identity.
  Sequential() = default;
  /// These layers, in order.
  explicit Sequential(std::vector<std::shared_ptr<Module>> layers);

  /// Appends a layer (registered as "layers.<size()>").
  Sequential& add(std::shared_ptr<Module> layer);
  /// Constructs a layer in place and appends it.
  template <class M, class... Args>
  M& emplace(Args&&... args) {
    auto layer = std::make_shared<M>(std::forward<Args>(args)...);
    M& ref = *layer;
    add(std::move(layer));
    return ref;
  }

  ad::Var forward(const ad::Var& input) const override;
  std::string name() const override { return "Sequential"; }

  /// Number of layers.
  std::size_t size() const { return layers_.size(); }
  /// Layer i; ad::Error if out of range.
  Module& operator[](std::size_t i) const;
  /// Layer i as an M; ad::Error naming both types if it is not one.
  template <class M>
  M& at(std::size_t i) const {
    Module& layer = (*this)[i];
    if (auto* typed = dynamic_cast<M*>(&layer)) return *typed;
    throw ad::Error("chainrule: Sequential::at: layer " + std::to_string(i) + " is " +
                    layer.name() + ", not the requested type " + typeid(M).name());
  }

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

/// A multilayer perceptron: for each consecutive pair of `sizes`, a Linear layer followed by
/// `activation` (the last layer is followed by `output_activation`, by default the same).
/// Weights and biases come from `init` and one generator seeded with `seed`, drawn layer by
/// layer (W then b). `mlp({1, 6, 7, 2}, Activation::sigmoid, init::normal(0.5), seed)` is the
/// assignment's network: W1 = "layers.0.weight", b1 = "layers.0.bias", W2 = "layers.2.weight",
/// W3 = "layers.4.weight".
/// @snippet nn_optim_examples.cpp mlp
CHAINRULE_NN_EXPORT Sequential mlp(const std::vector<std::size_t>& sizes,
                                   Activation activation = Activation::sigmoid,
                                   const Initializer& init = init::glorot_uniform(),
                                   std::uint64_t seed = 0,
                                   std::optional<Activation> output_activation = std::nullopt);

}  // namespace chainrule::nn
