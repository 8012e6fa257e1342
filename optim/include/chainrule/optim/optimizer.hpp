#pragma once
/// @file
/// First-order optimizers over any list of parameters.
///
/// An optimizer holds handles to `ad::Parameter`s (from `module.parameters()` or built by
/// hand) and updates their values in place from their accumulated gradients:
///
///     optim::Adam opt(net.parameters(), 1e-2);
///     for (...) {
///       tape.clear();
///       opt.zero_grad();
///       nn::squared_error_cost(net(x), y).backward();   // fills every parameter's grad()
///       opt.step();
///     }
///
/// `step()` allocates nothing: state tensors are sized at construction and every update is a
/// loop over raw storage. The learning rate of step t (t = 0, 1, ...) is `learning_rate()`
/// times the attached Schedule's factor at t. `state()` / `load_state()` carry everything the
/// next step depends on (hyperparameters, step count, moments, generator state), so a run
/// resumed from a checkpoint continues bit-identically.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chainrule/autodiff/parameter.hpp"
#include "chainrule/nn/checkpoint.hpp"
#include "chainrule/nn/init.hpp"
#include "chainrule/optim/export.hpp"
#include "chainrule/optim/schedule.hpp"

namespace chainrule::optim {

namespace ad = chainrule::ad;
namespace nn = chainrule::nn;

/// Base of the first-order optimizers (Flashlight's FirstOrderOptimizer).
class CHAINRULE_OPTIM_EXPORT Optimizer {
 public:
  /// Updates `params` (handles: the caller's tensors change) at base rate `learning_rate`.
  Optimizer(std::vector<ad::Parameter> params, double learning_rate);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// Updates every parameter from its gradient, then counts the step.
  void step();
  /// Zeros every parameter's gradient.
  void zero_grad();

  /// "Adam", "SteepestDescent", ...: also the type recorded in checkpoints.
  virtual std::string name() const = 0;

  /// The parameters this optimizer updates.
  const std::vector<ad::Parameter>& parameters() const { return params_; }
  /// The base learning rate (the aggression, for steepest descent).
  double learning_rate() const { return learning_rate_; }
  /// Changes the base learning rate.
  void set_learning_rate(double learning_rate) { learning_rate_ = learning_rate; }
  /// Multiplies the base rate by `schedule(step)` from now on (Schedule::constant() to stop).
  void set_schedule(Schedule schedule) { schedule_ = std::move(schedule); }
  /// The attached schedule (constant 1 unless set).
  const Schedule& schedule() const { return schedule_; }
  /// The rate the next step will use.
  double current_learning_rate() const;
  /// Steps taken so far.
  std::int64_t steps() const { return steps_; }

  /// Everything the next step depends on (not the schedule, which is code: attach the same
  /// one after loading).
  nn::OptimizerState state() const;
  /// Restores `state()`, hyperparameters included; all or nothing.
  void load_state(const nn::OptimizerState& state);
  /// Throws nn::CheckpointError (changing nothing) if `state` is another optimizer's, lacks an
  /// entry, or holds tensors that do not match the parameters (the message names both shapes).
  void check_state(const nn::OptimizerState& state) const;

 protected:
  /// One update with learning rate `lr`; `steps()` is the index of this step (0 first).
  virtual void update(double lr) = 0;
  /// Adds the subclass's hyperparameters, tensors and text to a state.
  virtual void save_extra(nn::OptimizerState& state) const = 0;
  /// Checks that a state has everything save_extra writes (changing nothing).
  virtual void check_extra(const nn::OptimizerState& state) const = 0;
  /// Reads back what save_extra wrote, from a checked state.
  virtual void load_extra(const nn::OptimizerState& state) = 0;

  /// One zero tensor per parameter, shaped like it.
  std::vector<ad::Tensor> zeros_like_parameters() const;
  /// Appends `tensors` as "<prefix>.<i>".
  static void save_tensors(nn::OptimizerState& state, const std::string& prefix,
                           const std::vector<ad::Tensor>& tensors);
  /// Checks that "<prefix>.<i>" exist for every parameter i with its shape.
  void check_tensors(const nn::OptimizerState& state, const std::string& prefix) const;
  /// Copies checked "<prefix>.<i>" into `tensors` (in place).
  static void load_tensors(const nn::OptimizerState& state, const std::string& prefix,
                           std::vector<ad::Tensor>& tensors);
  /// state.numbers[key]; nn::CheckpointError naming the key if absent.
  static double number(const nn::OptimizerState& state, const std::string& key);
  /// state.text[key]; nn::CheckpointError naming the key if absent.
  static const std::string& text(const nn::OptimizerState& state, const std::string& key);

  std::vector<ad::Parameter> params_;  ///< the parameters, in the order given

 private:
  double learning_rate_;
  Schedule schedule_;
  std::int64_t steps_ = 0;
};

/// The assignments' update: p ← p − aggression · J for every parameter, J its gradient.
/// @snippet nn_optim_examples.cpp steepest_descent
class CHAINRULE_OPTIM_EXPORT SteepestDescent : public Optimizer {
 public:
  /// `aggression` is the learning rate.
  SteepestDescent(std::vector<ad::Parameter> params, double aggression);
  std::string name() const override { return "SteepestDescent"; }

 protected:
  void update(double lr) override;
  void save_extra(nn::OptimizerState&) const override {}
  void check_extra(const nn::OptimizerState&) const override {}
  void load_extra(const nn::OptimizerState&) override {}
};

/// The backprop assignment's stochastic variant: p ← p − aggression · (1 + noise · ξ) · J
/// with ONE standard-normal ξ per parameter per step (drawn in parameter order from a
/// generator seeded with `seed`). noise = 0 is exactly SteepestDescent.
class CHAINRULE_OPTIM_EXPORT StochasticSteepestDescent : public Optimizer {
 public:
  /// `aggression` is the learning rate; ξ is drawn from a generator seeded with `seed`.
  StochasticSteepestDescent(std::vector<ad::Parameter> params, double aggression, double noise,
                            std::uint64_t seed = 0);
  std::string name() const override { return "StochasticSteepestDescent"; }
  /// The relative noise level.
  double noise() const { return noise_; }

 protected:
  void update(double lr) override;
  void save_extra(nn::OptimizerState& state) const override;
  void check_extra(const nn::OptimizerState& state) const override;
  void load_extra(const nn::OptimizerState& state) override;

 private:
  double noise_;
  nn::Generator generator_;
};

/// Heavy ball: v ← μ·v + g, p ← p − lr·v; with `nesterov`, p ← p − lr·(g + μ·v)
/// (the formulation of PyTorch's SGD, v starting at 0).
class CHAINRULE_OPTIM_EXPORT Momentum : public Optimizer {
 public:
  /// μ = `momentum`; Nesterov's variant when `nesterov`.
  Momentum(std::vector<ad::Parameter> params, double learning_rate, double momentum = 0.9,
           bool nesterov = false);
  std::string name() const override { return "Momentum"; }

 protected:
  void update(double lr) override;
  void save_extra(nn::OptimizerState& state) const override;
  void check_extra(const nn::OptimizerState& state) const override;
  void load_extra(const nn::OptimizerState& state) override;

 private:
  double momentum_;
  bool nesterov_;
  std::vector<ad::Tensor> velocity_;
};

/// RMSProp (Hinton's lecture 6e): s ← ρ·s + (1 − ρ)·g², p ← p − lr·g / (√s + ε).
class CHAINRULE_OPTIM_EXPORT RMSProp : public Optimizer {
 public:
  /// ρ = `rho`, ε = `epsilon`.
  RMSProp(std::vector<ad::Parameter> params, double learning_rate = 1e-3, double rho = 0.9,
          double epsilon = 1e-8);
  std::string name() const override { return "RMSProp"; }

 protected:
  void update(double lr) override;
  void save_extra(nn::OptimizerState& state) const override;
  void check_extra(const nn::OptimizerState& state) const override;
  void load_extra(const nn::OptimizerState& state) override;

 private:
  double rho_;
  double epsilon_;
  std::vector<ad::Tensor> square_avg_;
};

/// Adam as published (Kingma & Ba 2015, Algorithm 1), t = step number from 1:
/// m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ),
/// p ← p − lr·m̂/(√v̂ + ε).
/// @snippet nn_optim_examples.cpp adam
class CHAINRULE_OPTIM_EXPORT Adam : public Optimizer {
 public:
  /// β₁ = `beta1`, β₂ = `beta2`, ε = `epsilon`.
  Adam(std::vector<ad::Parameter> params, double learning_rate = 1e-3, double beta1 = 0.9,
       double beta2 = 0.999, double epsilon = 1e-8);
  std::string name() const override { return "Adam"; }

 protected:
  void update(double lr) override;
  void save_extra(nn::OptimizerState& state) const override;
  void check_extra(const nn::OptimizerState& state) const override;
  void load_extra(const nn::OptimizerState& state) override;

 private:
  double beta1_;
  double beta2_;
  double epsilon_;
  std::vector<ad::Tensor> m_;
  std::vector<ad::Tensor> v_;
};

/// Options for `make_optimizer`; each optimizer reads the fields it uses.
struct OptimizerOptions {
  double learning_rate = 1e-3;  ///< aggression for the steepest descents
  double noise = 1.0;           ///< stochastic steepest descent
  std::uint64_t seed = 0;       ///< stochastic steepest descent
  double momentum = 0.9;        ///< momentum, nesterov
  double rho = 0.9;             ///< rmsprop
  double beta1 = 0.9;           ///< adam
  double beta2 = 0.999;         ///< adam
  double epsilon = 1e-8;        ///< rmsprop, adam
};

/// An optimizer by name: "steepest" (SteepestDescent), "stochastic" (StochasticSteepestDescent),
/// "momentum", "nesterov", "rmsprop", "adam". nn::NameError listing them for another name.
CHAINRULE_OPTIM_EXPORT std::unique_ptr<Optimizer> make_optimizer(const std::string& name,
                                                                 std::vector<ad::Parameter> params,
                                                                 const OptimizerOptions& options);

}  // namespace chainrule::optim
