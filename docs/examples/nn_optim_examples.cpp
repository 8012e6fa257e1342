// The examples of the chainrule::nn and chainrule::optim reference pages (pulled in with
// @snippet), each a function that checks what it computes; docs_examples_nn_optim runs them.
#include <chainrule/autodiff.hpp>
#include <chainrule/nn.hpp>
#include <chainrule/optim.hpp>

#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>  // getpid: a scratch directory of our own

#include "check.hpp"

namespace ad = chainrule::ad;
namespace nn = chainrule::nn;
namespace optim = chainrule::optim;
using docs::check;
using docs::close;

namespace {

// [module]
// y = a·x + b elementwise, with a and b trainable (named "a" and "b" in checkpoints)
class Affine : public nn::Module {
 public:
  Affine()
      : a_(register_parameter("a", ad::Tensor{2.0})),
        b_(register_parameter("b", ad::Tensor{1.0})) {}
  ad::Var forward(const ad::Var& x) const override { return a_.var() * x + b_.var(); }
  std::string name() const override { return "Affine"; }

 private:
  nn::Parameter a_;
  nn::Parameter b_;
};
// [module]

void module() {
  Affine affine;
  ad::Var x = ad::variable(ad::Tensor{3.0});
  ad::sum(affine(x)).backward();
  const auto named = affine.named_parameters();
  check(named.size() == 2 && named[0].name == "a" && named[1].name == "b", "Module: names");
  check(close(affine(ad::constant(ad::Tensor{3.0})).value(), {7.0}), "Module: forward");
  check(close(named[0].parameter.grad(), {3.0}) && close(x.grad(), {2.0}), "Module: gradients");
}

void mlp() {
  // [mlp]
  // Linear(2 → 8), tanh, Linear(8 → 1), tanh; weights from one generator seeded with 7
  nn::Sequential net = nn::mlp({2, 8, 1}, nn::Activation::tanh, nn::init::glorot_uniform(), 7);
  ad::Tensor batch = {{0.5, 1.0, -1.0}, {0.0, 2.0, 0.5}};  // (features × batch): 3 examples
  ad::Var out = net(ad::constant(batch));
  // out.shape() == {1, 3}; net.parameters(): layers.0.weight, layers.0.bias, layers.2.weight, ...
  // [mlp]
  check(out.shape() == ad::Shape{1, 3} && net.parameters().size() == 4, "mlp");
}

void linear() {
  // [linear]
  nn::Linear layer(ad::Tensor{{1.0, 2.0}}, ad::Tensor({1, 1}, 0.5));  // W (1 × 2), b (1 × 1)
  ad::Var z = layer(ad::constant(ad::Tensor({2, 1}, 1.0)));  // one example: a column of ones
  // z = W·a + b = 1 + 2 + 0.5: z.item() == 3.5
  // [linear]
  check(close(z.value(), {3.5}), "Linear");
}

void losses() {
  // [losses]
  ad::Var prediction = ad::variable(ad::Tensor{{0.5, 1.5}});  // 1 output × 2 examples
  ad::Tensor target = {{1.0, 1.0}};
  ad::Var cost = nn::squared_error_cost(prediction, target);  // Σ(a − y)² / 2 columns = 0.25
  ad::Var mean = nn::mse(prediction, target);                 // Σ(a − y)² / 2 elements = 0.25

  ad::Var logits = ad::variable(ad::Tensor{{2.0, 0.0}, {0.0, 2.0}});  // 2 classes × 2 examples
  ad::Var xent = nn::softmax_cross_entropy(logits, std::vector<std::size_t>{0, 1});
  // xent.item() == −log(e² / (e² + 1)) ≈ 0.127 (each column's class is the likely one)
  // [losses]
  check(close(cost.value(), {0.25}) && close(mean.value(), {0.25}), "losses: squared error");
  check(close(xent.value(), {-std::log(std::exp(2.0) / (std::exp(2.0) + 1.0))}),
        "losses: softmax_cross_entropy");
}

void adam() {
  // [adam]
  nn::Sequential net = nn::mlp({1, 8, 1}, nn::Activation::tanh, nn::init::glorot_uniform(),
                               /*seed=*/1, /*output_activation=*/nn::Activation::identity);
  optim::Adam adam(net.parameters(), /*learning_rate=*/0.05);
  ad::Tensor xs = {{-1.0, 0.0, 1.0}};
  ad::Tensor ys = {{1.0, 0.0, 1.0}};  // y = x²
  for (int step = 0; step < 200; ++step) {
    ad::current_tape().clear();  // forget the last step's recording (its memory is reused)
    adam.zero_grad();
    nn::mse(net(ad::constant(xs)), ys).backward();  // fills every parameter's grad()
    adam.step();
  }
  // the loss is now below 0.01
  // [adam]
  ad::current_tape().clear();
  const double loss = nn::mse(net(ad::constant(xs)), ys).item();
  check(loss < 0.01, "Adam: final loss " + std::to_string(loss));
}

void steepest_descent() {
  // [steepest_descent]
  ad::Parameter w(ad::Tensor{5.0}, "w");
  optim::SteepestDescent descent({w}, /*aggression=*/0.25);
  for (int step = 0; step < 30; ++step) {
    ad::current_tape().clear();
    descent.zero_grad();
    ad::sum(ad::square(w.var() - 1.0)).backward();  // (w − 1)², smallest at w = 1
    descent.step();                                 // w ← w − 0.25·2(w − 1): halves w − 1
  }
  // w.value() ≈ 1 (within 4·2⁻³⁰)
  // [steepest_descent]
  check(close(w.value(), {1.0}, 1e-8), "SteepestDescent");
}

void minimize() {
  // [minimize]
  // f(θ) = (θ₀ − 1)² + 10·(θ₁ − θ₀²)², smallest at θ = (1, 1)
  auto problem = optim::Problem::minimize([](const ad::Var& theta) {
    ad::Var a = ad::sum(theta * ad::constant(ad::Tensor{1.0, 0.0}));  // θ₀
    ad::Var b = ad::sum(theta * ad::constant(ad::Tensor{0.0, 1.0}));  // θ₁
    return ad::square(a - 1.0) + 10.0 * ad::square(b - a * a);
  });
  // optim::Newton MINIMISES f with −H⁻¹∇f steps (H from ad::hessian); to find a ROOT of a
  // function, use ad::newton_raphson instead
  optim::Newton newton({.line_search = {.enabled = true}});
  optim::Result result = optim::minimize(newton, problem, ad::Tensor{-1.0, 2.0});
  // result.converged(); result.x ≈ {1, 1}; result.message says why it stopped
  // [minimize]
  check(result.converged() && close(result.x, {1.0, 1.0}, 1e-6), "minimize: " + result.message);
}

void checkpoint(const std::filesystem::path& dir) {
  // [checkpoint]
  // dir: any directory; one .npy per tensor and a JSON manifest, written atomically
  nn::Sequential net = nn::mlp({2, 3, 1}, nn::Activation::tanh, nn::init::glorot_uniform(), 1);
  optim::Adam adam(net.parameters(), 0.01);
  optim::save_checkpoint(dir, net, adam, {{"epoch", "3"}});  // parameters, Adam's moments

  nn::Sequential restored = nn::mlp({2, 3, 1}, nn::Activation::tanh, nn::init::glorot_uniform(), 2);
  optim::Adam restored_adam(restored.parameters(), 0.01);
  std::map<std::string, std::string> metadata =
      optim::load_checkpoint(dir, restored, restored_adam);
  // restored's weights equal net's, metadata["epoch"] == "3"; a mismatch throws
  // nn::CheckpointError listing every missing or mis-shaped parameter.
  // nn::save_checkpoint(dir, net) and nn::load_checkpoint(dir, net): parameters only
  // [checkpoint]
  const auto saved = net.named_parameters();
  const auto loaded = restored.named_parameters();
  check(saved.size() == loaded.size() && metadata.at("epoch") == "3", "checkpoint: metadata");
  for (std::size_t i = 0; i < saved.size(); ++i) {
    const ad::Tensor& a = saved[i].parameter.value();
    check(close(loaded[i].parameter.value(), std::vector<double>(a.begin(), a.end()), 0.0),
          "checkpoint: " + saved[i].name);
  }
}

}  // namespace

int main() {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("chainrule-docs-checkpoint-" + std::to_string(::getpid()));
  const std::vector<std::pair<const char*, std::function<void()>>> examples = {
      {"Module", module},     {"mlp", mlp},
      {"Linear", linear},     {"losses", losses},
      {"Adam", adam},         {"SteepestDescent", steepest_descent},
      {"minimize", minimize}, {"save/load_checkpoint", [&] { checkpoint(dir); }}};
  int failures = 0;
  for (const auto& [name, run] : examples) {
    ad::current_tape().clear();
    try {
      run();
      std::cout << "ok   " << name << '\n';
    } catch (const std::exception& e) {
      std::cout << "FAIL " << name << ": " << e.what() << '\n';
      ++failures;
    }
  }
  std::filesystem::remove_all(dir);
  return failures == 0 ? 0 : 1;
}
