#include "settings.hpp"

#include <limits>

#include <cli.hpp>

#include "resume.hpp"

namespace chainrule::curve {

using examples::Real;
using examples::real_number;
using examples::whole_number;

void add_flags(CLI::App& app, Settings& s) {
  TrainOptions& t = s.train;
  app.add_option("--iterations", t.iterations,
                 "optimizer steps (with --resume: the total to reach)")
      ->check(whole_number(0, max_iterations))
      ->capture_default_str();
  app.add_option("--aggression", t.aggression, "learning rate")
      ->check(real_number(Real::positive))
      ->capture_default_str();
  app.add_option("--noise", t.noise, "stochastic steepest descent: J*(1 + noise*xi)")
      ->check(real_number(Real::non_negative))
      ->capture_default_str();
  app.add_option("--seed", t.seed, "initial weights (without --init) and the noise")
      ->check(whole_number(0, std::numeric_limits<std::uint64_t>::max()))
      ->capture_default_str();
  app.add_option("--n1", t.n1, "first hidden layer (default: from --init, else 6)")
      ->check(whole_number(1, max_layer_size));
  app.add_option("--n2", t.n2, "second hidden layer (default: from --init, else 7)")
      ->check(whole_number(1, max_layer_size));
  app.add_option("--init", s.init_file,
                 "initial weights, JSON with W1..b3 as nested lists; its shapes define the layer "
                 "sizes");
  app.add_option("--optimizer", t.optimizer,
                 "stochastic (default; steepest when --noise 0), steepest, momentum, nesterov, "
                 "rmsprop, adam")
      ->check(CLI::IsMember({"stochastic", "steepest", "momentum", "nesterov", "rmsprop", "adam"}));
  app.add_option("--layers", t.layers,
                 "course: the network as course.cpp writes it (W1·a0 + b1, ...); library: the "
                 "same network with the library's layers (nn::mlp)")
      ->check(CLI::IsMember({"course", "library"}))
      ->capture_default_str();
  app.add_flag("--check-jacobians", s.check_jacobians,
               "compare autodiff's Jacobians with the course's hand-derived ones at the start "
               "(after --init or --resume) and stop: exit 0 if they agree, 1 if not");
  app.add_option("--log-every", s.log_every, "log the cost every K iterations (0: first and last)")
      ->check(whole_number(0, max_iterations))
      ->capture_default_str();
  app.add_option("--plot", s.plot_file, "figure: .png or .svg");
  app.add_option("--json", s.json_file, "the run as JSON (the examples' one layout)");
  app.add_option("--save", s.save_dir,
                 "checkpoint directory, written at the end and on SIGINT/SIGTERM (atomically)");
  app.add_option("--checkpoint-every", s.checkpoint_every,
                 "also write the --save checkpoint every K iterations (0: never)")
      ->check(whole_number(0, max_iterations))
      ->capture_default_str();
  app.add_option("--resume", s.resume_dir,
                 "continue a checkpoint's run with its settings (flags given must agree)");
  app.add_option("--dot", s.dot_file, "computation graph of one step (Graphviz DOT)");
  app.add_flag("--distributed", s.distributed,
               "data-parallel over MPI ranks (run under mpirun -np K): each rank trains on its "
               "shard of the points");
}

namespace {

// --init defines the architecture: --n1/--n2 may repeat its sizes, not contradict them.
void take_sizes_from_init(const CLI::App& app, Settings& s) {
  const InitialWeights& init = *s.train.init;
  const std::size_t n1 = init.at("W1").shape()[0], n2 = init.at("W2").shape()[0];
  for (const auto& [flag, value, from_file] :
       {std::tuple{"--n1", s.train.n1, n1}, std::tuple{"--n2", s.train.n2, n2}}) {
    if (app.count(flag) > 0 && value != from_file) {
      throw examples::UsageError(std::string(flag) + " " + std::to_string(value) +
                                 " contradicts --init '" + s.init_file + "' (its layer has " +
                                 std::to_string(from_file) + " units)");
    }
  }
  if (n1 > max_layer_size || n2 > max_layer_size) {
    throw std::runtime_error("--init '" + s.init_file + "': layers of " + std::to_string(n1) +
                             " and " + std::to_string(n2) + " units; at most " +
                             std::to_string(max_layer_size) + " are allowed");
  }
  s.train.n1 = n1;
  s.train.n2 = n2;
}

}  // namespace

void check(const CLI::App& app, Settings& s) {
  if (app.count("--optimizer") == 0 && s.train.noise == 0.0) s.train.optimizer = "steepest";
  if (app.count("--init") > 0) {
    examples::require_input_file("--init", s.init_file);
    s.train.init = load_initial_weights(s.init_file);
    take_sizes_from_init(app, s);
  }
  if (app.count("--resume") > 0) {
    if (s.resume_dir.empty()) throw examples::UsageError("--resume: the directory name is empty");
    s.resumed_at = restore_settings(s.resume_dir, s.train,
                                    [&](const std::string& flag) { return app.count(flag) > 0; });
    // The checkpoint's weights are used; an --init file given too must fit them.
    if (s.train.init && (s.train.init->at("W1").shape()[0] != s.train.n1 ||
                         s.train.init->at("W2").shape()[0] != s.train.n2)) {
      throw examples::UsageError("--init '" + s.init_file + "' (layers of " +
                                 std::to_string(s.train.init->at("W1").shape()[0]) + " and " +
                                 std::to_string(s.train.init->at("W2").shape()[0]) +
                                 " units) contradicts the checkpoint '" + s.resume_dir + "' (n1 " +
                                 std::to_string(s.train.n1) + ", n2 " + std::to_string(s.train.n2) +
                                 ")");
    }
  }
  if (s.check_jacobians && s.distributed) {
    throw examples::UsageError("--check-jacobians runs in one process: leave out --distributed");
  }
  if (s.checkpoint_every > 0 && app.count("--save") == 0) {
    throw examples::UsageError("--checkpoint-every needs --save DIR");
  }
  if (app.count("--save") > 0) examples::require_output_dir("--save", s.save_dir);
  if (app.count("--plot") > 0) examples::require_plot_file("--plot", s.plot_file);
  if (app.count("--json") > 0) examples::require_output_file("--json", s.json_file);
  if (app.count("--dot") > 0) examples::require_output_file("--dot", s.dot_file);
}

}  // namespace chainrule::curve
