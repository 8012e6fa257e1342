#include "trainer.hpp"

#include <chrono>
#include <stdexcept>

#include <chainrule/autodiff.hpp>
#include <xtensor/xview.hpp>

namespace chainrule::curve {
namespace {

// mlp({1, n1, n2, 2}) names its linear layers 0, 2 and 4 (activations sit in between).
constexpr const char* course_names[][2] = {{"W1", "layers.0.weight"}, {"b1", "layers.0.bias"},
                                           {"W2", "layers.2.weight"}, {"b2", "layers.2.bias"},
                                           {"W3", "layers.4.weight"}, {"b3", "layers.4.bias"}};

// The starting values: the --init file's, or randn/2 from the seed as the library's mlp draws
// them.
nn::Sequential library_network(const TrainOptions& o) {
  if (o.layers != "course" && o.layers != "library") {
    throw std::invalid_argument("CurveTrainer: layers must be \"course\" or \"library\", got \"" +
                                o.layers + "\"");
  }
  nn::Sequential net =
      nn::mlp({1, o.n1, o.n2, 2}, nn::Activation::sigmoid, nn::init::normal(0.5), o.seed);
  if (o.init) {
    for (const auto& [course, dotted] : course_names) net.assign(dotted, o.init->at(course));
  }
  return net;
}

// The mlp's parameters as the course names them: its own handles, or (own_copy) new
// parameters named W1 … b3 holding the same values.
course::Network course_parameters_of(const nn::Sequential& net, bool own_copy) {
  std::vector<ad::Parameter> p;
  for (const auto& [course, dotted] : course_names) {
    const ad::Parameter& handle = net.parameter(dotted);
    p.push_back(own_copy ? ad::Parameter(handle.value(), course) : handle);
  }
  return {p[0], p[1], p[2], p[3], p[4], p[5]};
}

Curve select(const Curve& curve, const std::vector<std::size_t>& examples) {
  if (examples.empty()) return curve;
  for (std::size_t i : examples) {
    if (i >= curve.x.shape()[1]) throw std::out_of_range("CurveTrainer: example out of range");
  }
  return {xt::view(curve.x, xt::all(), xt::keep(examples)),
          xt::view(curve.y, xt::all(), xt::keep(examples))};
}

}  // namespace

CurveTrainer::CurveTrainer(const TrainOptions& options)
    : options_(options),
      curve_(heart_curve(options.points)),
      train_(select(curve_, options.examples)),
      library_(library_network(options)),
      course_(course_parameters_of(*library_, options.layers == "course")) {
  if (options.layers == "course") library_.reset();  // its values are in course_
  optim::OptimizerOptions o;
  o.learning_rate = options.aggression;
  o.noise = options.noise;
  o.seed = options.seed;
  optimizer_ = optim::make_optimizer(options.optimizer, course_.parameters(), o);
}

ad::Var CurveTrainer::record_cost() {
  tape_.clear();
  ad::TapeScope scope(tape_);
  if (library_) return nn::squared_error_cost((*library_)(ad::constant(train_.x)), train_.y);
  return course::cost(course::network_function(course_, train_.x).a3, train_.y);
}

double CurveTrainer::evaluate() {
  const ad::Var cost = record_cost();
  optimizer_->zero_grad();
  cost.backward();
  return gradient_hook_ ? gradient_hook_(cost.item()) : cost.item();
}

double CurveTrainer::step() {
  const double cost = evaluate();
  optimizer_->step();
  return cost;
}

ad::Tensor CurveTrainer::draw() const {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  if (library_) return (*library_)(ad::constant(curve_.x)).value();
  return course::network_function(course_, curve_.x).a3.value();
}

nn::NamedParameters CurveTrainer::course_parameters() const {
  const course::Network& n = course_;
  return {{"W1", n.W1}, {"b1", n.b1}, {"W2", n.W2}, {"b2", n.b2}, {"W3", n.W3}, {"b3", n.b3}};
}

TrainResult train(CurveTrainer& trainer, std::size_t first_iteration, std::size_t iterations,
                  std::size_t log_every, std::size_t snapshot_every,
                  const std::function<void(const Progress&)>& on_log,
                  const std::function<bool()>& should_stop,
                  const std::function<void(std::size_t)>& after_step) {
  TrainResult result;
  const auto start = std::chrono::steady_clock::now();
  const std::size_t last = first_iteration + iterations;
  for (std::size_t i = first_iteration;; ++i) {
    if (snapshot_every > 0 && i % snapshot_every == 0) result.drawn.push_back(trainer.draw());
    const bool done = i == last || (should_stop && should_stop());
    // The cost at i steps comes with the gradient the next step needs: one sweep each.
    const double cost = done ? trainer.evaluate() : trainer.step();
    if ((log_every > 0 && i % log_every == 0) || done) {
      result.costs.push_back({i, cost});
      if (on_log) on_log(result.costs.back());
    }
    if (done) {
      result.final_cost = cost;
      break;
    }
    if (after_step) after_step(i + 1);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace chainrule::curve
