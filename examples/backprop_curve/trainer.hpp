#pragma once
// Assignment 1 as a library: the 1 → n1 → n2 → 2 sigmoid network learning to draw the heart
// curve — course.hpp's network in the course's notation, or the same network with the
// library's layers (nn::mlp) — its gradients by autodiff and its update by an `optim`
// optimizer (by default the assignment's stochastic steepest descent).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <chainrule/nn.hpp>
#include <chainrule/optim.hpp>

#include "course.hpp"
#include "curve_data.hpp"

namespace chainrule::curve {

struct TrainOptions {
  std::size_t iterations = 10000;  ///< optimizer steps (the notebook's loop makes one more)
  double aggression = 3.5;         ///< the learning rate
  double noise = 1.0;              ///< stochastic steepest descent: J·(1 + noise·ξ)
  std::uint64_t seed = 0;          ///< initial weights (without init) and the noise
  std::size_t n1 = 6;
  std::size_t n2 = 7;
  std::size_t points = 100;              ///< N, the batch: the whole curve every step
  std::string optimizer = "stochastic";  ///< optim::make_optimizer's names
  /// "course": course.hpp's network, parameters named W1 … b3; "library": the same network
  /// with the library's layers (nn::mlp). Both start from the same values and train alike.
  std::string layers = "course";
  std::optional<InitialWeights> init;  ///< else normal(0, 1/2) from `seed`, as randn/2
  /// The points this process trains on (a data-parallel shard, ascending); empty: all of them.
  /// The cost is then the mean over these points.
  std::vector<std::size_t> examples;
};

/// The network, the data and the optimizer of one training run.
class CurveTrainer {
 public:
  explicit CurveTrainer(const TrainOptions& options);

  /// Records the cost at the current parameters and back-propagates it (gradients are
  /// zeroed first); returns the cost.
  double evaluate();
  /// evaluate(), then one optimizer step. Returns the cost before the step.
  double step();
  /// The curve the network draws now: a3 for every x, (2 × N).
  ad::Tensor draw() const;

  /// The parameters as course.hpp names them (handles: the trainer's own).
  const course::Network& course_network() const { return course_; }
  /// The points trained on (this process's shard in a data-parallel run).
  const Curve& training_points() const { return train_; }
  optim::Optimizer& optimizer() { return *optimizer_; }
  const Curve& curve() const { return curve_; }
  /// The options the trainer was made with.
  const TrainOptions& options() const { return options_; }
  /// The six parameters under the course's names W1, W2, W3, b1, b2, b3 (as checkpoints,
  /// messages and the JSON output name them).
  nn::NamedParameters course_parameters() const;
  /// The graph of one training step's cost (for --dot); leaves the tape recorded.
  ad::Var record_cost();
  /// Called by evaluate() after back-propagation with this process's cost; returns the cost to
  /// report (data-parallel training averages gradients and cost across processes here).
  void set_gradient_hook(std::function<double(double)> hook) { gradient_hook_ = std::move(hook); }

 private:
  TrainOptions options_;
  Curve curve_;
  Curve train_;                            ///< the points trained on: curve_ or a shard of it
  std::optional<nn::Sequential> library_;  ///< with layers "library"
  course::Network course_;                 ///< the parameters, whichever layers use them
  std::function<double(double)> gradient_hook_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  ad::Tape tape_;
};

/// What `train` reports along the way.
struct Progress {
  std::size_t iteration;  ///< steps taken
  double cost;            ///< cost after that many steps
};

struct TrainResult {
  std::vector<Progress> costs;    ///< at 0 and every log_every steps, and the last
  std::vector<ad::Tensor> drawn;  ///< the drawn curve every snapshot_every steps
  double final_cost = 0.0;
  double seconds = 0.0;
};

/// Runs `iterations` steps from the trainer's current state, starting the count at
/// `first_iteration` (a resumed run). Calls `on_log` at every logged cost; `should_stop`
/// (polled every step) ends the run early, after a complete step; `after_step(i)` runs once
/// the parameters have taken i steps in all (for periodic checkpoints).
TrainResult train(CurveTrainer& trainer, std::size_t first_iteration, std::size_t iterations,
                  std::size_t log_every, std::size_t snapshot_every,
                  const std::function<void(const Progress&)>& on_log = {},
                  const std::function<bool()>& should_stop = {},
                  const std::function<void(std::size_t)>& after_step = {});

}  // namespace chainrule::curve
