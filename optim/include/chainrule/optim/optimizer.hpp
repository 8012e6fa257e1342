#pragma once
/// @file
/// First-order optimizers over any list of parameters, optionally in groups with their own
/// learning rates.
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
/// Parameter groups give parts of a model their own learning rate (a group without one uses
/// the optimizer's):
///
/// @code
/// optim::Adam opt({{.parameters = body.parameters()},                        // rate 1e-3
///                  {.parameters = head.parameters(), .learning_rate = 1e-2}},
///                 1e-3);
/// opt.set_learning_rate(1, 5e-3);   // group 1 from now on
/// @endcode
///
/// `step()` allocates nothing: state tensors are sized at construction and every update is a
/// loop over raw storage. Before updating, it checks every gradient's and state tensor's shape
/// against its parameter's (ad::ShapeError naming the optimizer and the parameter: a
/// parameter resized after construction is refused, never read out of bounds). The learning
/// rate of step t (t = 0, 1, ...) is the group's rate times the attached Schedule's factor at t.
///
/// Each optimizer declares its state once — hyperparameters with the values they may take,
/// per-parameter tensors, text — and from that one list come `state()`/`load_state()` (so a
/// run resumed from a checkpoint continues bit-identically), the validation of every
/// hyperparameter at construction, in `set_hyperparameter` and on load, and the per-step
/// shape checks.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/parameter.hpp"
#include "chainrule/nn/checkpoint.hpp"
#include "chainrule/nn/init.hpp"
#include "chainrule/optim/export.hpp"
#include "chainrule/optim/schedule.hpp"

namespace chainrule::optim {

namespace ad = chainrule::ad;
namespace nn = chainrule::nn;

/// What an optimizer saves: its section ("optimizer") of a checkpoint.
using OptimizerState = nn::CheckpointSection;

/// A hyperparameter outside the values it may take; the message names the optimizer, the
/// hyperparameter, the allowed interval and the value.
class CHAINRULE_OPTIM_EXPORT HyperparameterError : public ad::Error {
 public:
  using ad::Error::Error;
};

/// The values a hyperparameter may take: an interval of finite numbers, either end open.
struct CHAINRULE_OPTIM_EXPORT Interval {
  double lo = 0.0;                                      ///< lower end
  double hi = std::numeric_limits<double>::infinity();  ///< upper end (∞: unbounded)
  bool lo_open = false;                                 ///< excludes lo
  bool hi_open = true;                                  ///< excludes hi
  /// True for a finite x inside (never for NaN or ±∞).
  bool contains(double x) const;
  /// "[0, 1)", "(0, inf)", ...
  std::string to_string() const;
};

/// Some parameters with their own learning rate (the optimizer's when empty).
struct ParameterGroup {
  std::vector<ad::Parameter> parameters;               ///< updated with this group's rate
  std::optional<double> learning_rate = std::nullopt;  ///< this group's base rate
};

/// What an optimizer is given: one list of parameters (one group) or several groups.
struct CHAINRULE_OPTIM_EXPORT ParameterGroups {
  /// One group of `params`.
  ParameterGroups(std::vector<ad::Parameter> params);  // NOLINT: implicit on purpose
  /// One group: `{w, b}`.
  ParameterGroups(std::initializer_list<ad::Parameter> params);  // NOLINT
  /// Several groups.
  ParameterGroups(std::vector<ParameterGroup> list);  // NOLINT
  /// Several groups: `{{.parameters = a}, {.parameters = b, .learning_rate = 0.1}}`.
  ParameterGroups(std::initializer_list<ParameterGroup> list);  // NOLINT
  std::vector<ParameterGroup> groups;                           ///< in order
};

/// Base of the first-order optimizers (Flashlight's FirstOrderOptimizer).
class CHAINRULE_OPTIM_EXPORT Optimizer {
 public:
  /// Updates `params` (handles: the caller's tensors change) at base rate `learning_rate`;
  /// `name` is the subclass's ("Adam"), for messages and checkpoints. HyperparameterError for
  /// a negative or non-finite rate (the optimizer's or a group's).
  Optimizer(std::string name, ParameterGroups params, double learning_rate);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// Checks the shapes, updates every parameter from its gradient (skipping frozen ones,
  /// `set_requires_grad(false)`: their values and state stay as they are), then counts the
  /// step.
  void step();
  /// Zeros every parameter's gradient.
  void zero_grad();

  /// "Adam", "SteepestDescent", ...: also the type recorded in checkpoints.
  const std::string& name() const { return name_; }

  /// Every parameter this optimizer updates, groups in order.
  const std::vector<ad::Parameter>& parameters() const { return params_; }
  /// The number of parameter groups (1 for a plain list).
  std::size_t group_count() const { return group_rates_.size(); }
  /// The group parameter `index` of parameters() belongs to.
  std::size_t group_of(std::size_t index) const { return group_of_.at(index); }

  /// The base learning rate (the aggression, for steepest descent).
  double learning_rate() const { return learning_rate_; }
  /// Changes the base rate (the rate of every group without its own); HyperparameterError for
  /// a negative or non-finite rate.
  void set_learning_rate(double learning_rate);
  /// The base rate of `group` (its own, or the optimizer's).
  double learning_rate(std::size_t group) const;
  /// Gives `group` its own base rate; HyperparameterError as set_learning_rate, ad::Error for
  /// a group that does not exist.
  void set_learning_rate(std::size_t group, double learning_rate);
  /// Multiplies the base rates by `schedule(step)` from now on (Schedule::constant() to stop).
  void set_schedule(Schedule schedule) { schedule_ = std::move(schedule); }
  /// The attached schedule (constant 1 unless set).
  const Schedule& schedule() const { return schedule_; }
  /// The rate the next step will use (for group 0, or every group without its own rate).
  double current_learning_rate() const;
  /// The rate the next step will use for `group`.
  double current_learning_rate(std::size_t group) const;
  /// Steps taken so far.
  std::int64_t steps() const { return steps_; }

  /// The names of this optimizer's hyperparameters besides the learning rate ("beta1", ...).
  std::vector<std::string> hyperparameter_names() const;
  /// A hyperparameter's value; ad::Error naming the known ones for another name.
  double hyperparameter(const std::string& name) const;
  /// Sets a hyperparameter (HyperparameterError when outside its interval; nothing changes).
  void set_hyperparameter(const std::string& name, double value);

  /// Everything the next step depends on (not the schedule, which is code: attach the same
  /// one after loading).
  OptimizerState state() const;
  /// Restores `state()`, hyperparameters included; all or nothing.
  void load_state(const OptimizerState& state);
  /// Throws nn::CheckpointError (changing nothing) if `state` is another optimizer's, lacks an
  /// entry, holds a hyperparameter outside its interval, a count that is not an integer in
  /// range, or tensors that do not match the parameters (the message names both shapes).
  void check_state(const OptimizerState& state) const;

 protected:
  /// One update of parameter `index` with learning rate `lr`; `steps()` is the index of this
  /// step (0 first). Called for every parameter in order, after the shape checks.
  virtual void update(std::size_t index, double lr) = 0;

  /// Declares a hyperparameter stored in `field` (a member of the subclass), with the values
  /// it may take; validates its current value at once (HyperparameterError).
  void declare_hyperparameter(const std::string& name, double& field, Interval valid);
  /// Declares a switch stored in `field` (saved as 0 or 1).
  void declare_flag(const std::string& name, bool& field);
  /// Declares per-parameter state: `field` becomes one zero tensor per parameter, shaped like
  /// it, saved as "<name>.<i>" and checked against the parameter's shape at every step.
  void declare_tensors(const std::string& name, std::vector<ad::Tensor>& field);
  /// Declares state saved as text: `save` gives it, `check` throws ad::Error for text it
  /// cannot load (changing nothing), `load` restores it.
  void declare_text(const std::string& name, std::function<std::string()> save,
                    std::function<void(const std::string&)> check,
                    std::function<void(const std::string&)> load);

  std::vector<ad::Parameter> params_;  ///< every parameter, groups in order

 private:
  // Hidden from Doxygen, which would otherwise link an empty "Classes" section.
  /// @cond
  struct Hyperparameter {
    std::string name;
    double* field;
    Interval valid;
  };
  struct Flag {
    std::string name;
    bool* field;
  };
  struct Tensors {
    std::string name;
    std::vector<ad::Tensor>* field;
  };
  struct Text {
    std::string name;
    std::function<std::string()> save;
    std::function<void(const std::string&)> check;
    std::function<void(const std::string&)> load;
  };
  /// @endcond

  const Hyperparameter& find_hyperparameter(const std::string& name) const;
  void check_shapes() const;

  std::string name_;
  double learning_rate_;
  std::vector<std::optional<double>> group_rates_;  ///< each group's own rate, if any
  std::vector<std::size_t> group_of_;               ///< parameter index → group
  Schedule schedule_;
  std::int64_t steps_ = 0;
  std::vector<Hyperparameter> hyperparameters_;
  std::vector<Flag> flags_;
  std::vector<Tensors> tensors_;
  std::vector<Text> texts_;
};

/// The assignments' update: p ← p − aggression · J for every parameter, J its gradient.
/// @snippet nn_optim_examples.cpp steepest_descent
class CHAINRULE_OPTIM_EXPORT SteepestDescent : public Optimizer {
 public:
  /// `aggression` is the learning rate.
  SteepestDescent(ParameterGroups params, double aggression);

 protected:
  void update(std::size_t index, double lr) override;
};

/// The backprop assignment's stochastic variant: p ← p − aggression · (1 + noise · ξ) · J
/// with ONE standard-normal ξ per parameter per step (drawn in parameter order from a
/// generator seeded with `seed`). noise = 0 is exactly SteepestDescent.
class CHAINRULE_OPTIM_EXPORT StochasticSteepestDescent : public Optimizer {
 public:
  /// `aggression` is the learning rate; noise ≥ 0; ξ is drawn from a generator seeded with
  /// `seed`.
  StochasticSteepestDescent(ParameterGroups params, double aggression, double noise,
                            std::uint64_t seed = 0);
  /// The relative noise level.
  double noise() const { return noise_; }

 protected:
  void update(std::size_t index, double lr) override;

 private:
  double noise_;
  nn::Generator generator_;
};

/// Heavy ball: v ← μ·v + g, p ← p − lr·v; with `nesterov`, p ← p − lr·(g + μ·v)
/// (the formulation of PyTorch's SGD, v starting at 0).
class CHAINRULE_OPTIM_EXPORT Momentum : public Optimizer {
 public:
  /// μ = `momentum` in [0, 1); Nesterov's variant when `nesterov`.
  Momentum(ParameterGroups params, double learning_rate, double momentum = 0.9,
           bool nesterov = false);

 protected:
  void update(std::size_t index, double lr) override;

 private:
  double momentum_;
  bool nesterov_;
  std::vector<ad::Tensor> velocity_;
};

/// RMSProp (Hinton's lecture 6e): s ← ρ·s + (1 − ρ)·g², p ← p − lr·g / (√s + ε).
class CHAINRULE_OPTIM_EXPORT RMSProp : public Optimizer {
 public:
  /// ρ = `rho` in [0, 1), ε = `epsilon` > 0.
  RMSProp(ParameterGroups params, double learning_rate = 1e-3, double rho = 0.9,
          double epsilon = 1e-8);

 protected:
  void update(std::size_t index, double lr) override;

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
  /// β₁ = `beta1` and β₂ = `beta2` in [0, 1), ε = `epsilon` > 0.
  Adam(ParameterGroups params, double learning_rate = 1e-3, double beta1 = 0.9,
       double beta2 = 0.999, double epsilon = 1e-8);

 protected:
  void update(std::size_t index, double lr) override;

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
                                                                 ParameterGroups params,
                                                                 const OptimizerOptions& options);

}  // namespace chainrule::optim
