// Linear, the activation modules, Sequential and the mlp builder.

#include "chainrule/nn/layers.hpp"

#include <xtensor/xbuilder.hpp>

#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/ops.hpp"

namespace chainrule::nn {
namespace {

ad::Tensor drawn(const Fill& fill, ad::Shape shape, std::size_t fan_in, std::size_t fan_out,
                 Generator& generator) {
  (void)ad::element_count(shape, "Linear");  // ShapeError before an absurd allocation
  ad::Tensor t = xt::zeros<double>(shape);
  fill(t, fan_in, fan_out, generator);
  return t;
}

std::string arrow(std::size_t in, std::size_t out) {
  return std::to_string(in) + " → " + std::to_string(out);
}

// --- Linear ----------------------------------------------------------------------------------

// Weight first, then bias: the order of the draws is part of the seed's contract.
std::pair<ad::Tensor, ad::Tensor> draw(std::size_t in, std::size_t out, const Initializer& init,
                                       Generator& generator) {
  ad::Tensor w = drawn(init.weight, {out, in}, in, out, generator);
  ad::Tensor b = drawn(init.bias, {out, 1}, in, out, generator);
  return {std::move(w), std::move(b)};
}

std::pair<ad::Tensor, ad::Tensor> draw_seeded(std::size_t in, std::size_t out,
                                              const Initializer& init, std::uint64_t seed) {
  Generator generator(seed);
  return draw(in, out, init, generator);
}

std::pair<ad::Tensor, ad::Tensor> checked(ad::Tensor weight, ad::Tensor bias) {
  if (weight.dimension() != 2) {
    throw ad::ShapeError("chainrule: Linear: weight must be 2-D (out × in), got shape " +
                         ad::to_string(ad::shape_of(weight)));
  }
  const std::size_t out = weight.shape()[0];
  if (bias.dimension() == 1 && bias.size() == out) bias.reshape({out, 1});
  if (bias.dimension() != 2 || bias.shape()[0] != out || bias.shape()[1] != 1) {
    throw ad::ShapeError("chainrule: Linear: bias must have shape " +
                         ad::to_string(ad::Shape{out, 1}) + " for weight of shape " +
                         ad::to_string(ad::shape_of(weight)) + ", got " +
                         ad::to_string(ad::shape_of(bias)));
  }
  return {std::move(weight), std::move(bias)};
}

}  // namespace

Linear::Linear(std::pair<ad::Tensor, ad::Tensor> weight_and_bias)
    : in_(weight_and_bias.first.shape()[1]),
      out_(weight_and_bias.first.shape()[0]),
      weight_(register_parameter("weight", std::move(weight_and_bias.first))),
      bias_(register_parameter("bias", std::move(weight_and_bias.second))) {}

Linear::Linear(std::size_t in_features, std::size_t out_features, const Initializer& init,
               Generator& generator)
    : Linear(draw(in_features, out_features, init, generator)) {}

Linear::Linear(std::size_t in_features, std::size_t out_features, const Initializer& init,
               std::uint64_t seed)
    : Linear(draw_seeded(in_features, out_features, init, seed)) {}

Linear::Linear(ad::Tensor weight, ad::Tensor bias)
    : Linear(checked(std::move(weight), std::move(bias))) {}

ad::Var Linear::forward(const ad::Var& a) const {
  const auto& shape = a.value().shape();  // no copy: forward runs every training step
  if (shape.size() != 2 || shape[0] != in_) {
    throw ad::ShapeError("chainrule: " + name() + ": input must be (" + std::to_string(in_) +
                         " × batch), one column per example, got shape " +
                         ad::to_string(a.shape()) +
                         (shape.size() == 1 && shape[0] == in_
                              ? " (reshape a single example to (" + std::to_string(in_) + ", 1))"
                              : std::string()));
  }
  return ad::linear(parameter_var(weight_), a, parameter_var(bias_));  // W·a + b, one node
}

std::string Linear::name() const { return "Linear(" + arrow(in_, out_) + ")"; }

// --- activations -----------------------------------------------------------------------------

ad::Var Sigmoid::forward(const ad::Var& z) const { return ad::sigmoid(z); }
ad::Var Tanh::forward(const ad::Var& z) const { return ad::tanh(z); }
ad::Var ReLU::forward(const ad::Var& z) const { return ad::relu(z); }
ad::Var Softplus::forward(const ad::Var& z) const { return ad::softplus(z); }

std::string to_string(Activation activation) {
  switch (activation) {
    case Activation::sigmoid:
      return "sigmoid";
    case Activation::tanh:
      return "tanh";
    case Activation::relu:
      return "relu";
    case Activation::softplus:
      return "softplus";
    case Activation::identity:
      return "identity";
  }
  return "unknown";
}

Activation activation_from_string(const std::string& name) {
  for (Activation a : {Activation::sigmoid, Activation::tanh, Activation::relu,
                       Activation::softplus, Activation::identity}) {
    if (to_string(a) == name) return a;
  }
  throw NameError("chainrule: activation_from_string: unknown activation '" + name +
                  "'; choose sigmoid, tanh, relu, softplus or identity");
}

std::shared_ptr<Module> make_activation(Activation activation) {
  switch (activation) {
    case Activation::sigmoid:
      return std::make_shared<Sigmoid>();
    case Activation::tanh:
      return std::make_shared<Tanh>();
    case Activation::relu:
      return std::make_shared<ReLU>();
    case Activation::softplus:
      return std::make_shared<Softplus>();
    case Activation::identity:
      return std::make_shared<Identity>();
  }
  throw ad::Error("chainrule: make_activation: invalid activation");
}

// --- Sequential ------------------------------------------------------------------------------

Sequential::Sequential(std::vector<std::shared_ptr<Module>> layers) {
  for (auto& layer : layers) add(std::move(layer));
}

Sequential& Sequential::add(std::shared_ptr<Module> layer) {
  register_module("layers." + std::to_string(layers_.size()), layer);
  layers_.push_back(std::move(layer));
  return *this;
}

ad::Var Sequential::forward(const ad::Var& input) const {
  ad::Var x = input;
  for (const auto& layer : layers_) x = layer->forward(x);
  return x;
}

Module& Sequential::operator[](std::size_t i) const {
  if (i >= layers_.size()) {
    throw ad::Error("chainrule: Sequential: layer " + std::to_string(i) + " out of range (" +
                    std::to_string(layers_.size()) + " layers)");
  }
  return *layers_[i];
}

// --- mlp -------------------------------------------------------------------------------------

Sequential mlp(const std::vector<std::size_t>& sizes, Activation activation,
               const Initializer& init, std::uint64_t seed,
               std::optional<Activation> output_activation) {
  if (sizes.size() < 2) {
    throw ad::Error("chainrule: mlp: need at least two layer sizes (input and output), got " +
                    std::to_string(sizes.size()));
  }
  for (std::size_t s : sizes) {
    if (s == 0) throw ad::ShapeError("chainrule: mlp: layer sizes must be positive");
  }
  Generator generator(seed);
  Sequential net;
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    net.emplace<Linear>(sizes[i], sizes[i + 1], init, generator);
    const bool last = i + 2 == sizes.size();
    net.add(make_activation(last ? output_activation.value_or(activation) : activation));
  }
  return net;
}

}  // namespace chainrule::nn
