// Assignment 1 of the course: a 1 → 6 → 7 → 2 sigmoid network learns to draw a heart from the
// distance travelled along it, trained by stochastic steepest descent on gradients that
// chainrule computes (no hand-derived Jacobians).
#include <atomic>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <chainrule/autodiff/graph.hpp>
#include <nlohmann/json.hpp>

#include "plot.hpp"
#include "trainer.hpp"

#ifdef CHAINRULE_HAS_DISTRIBUTED
#include <chainrule/distributed.hpp>
namespace distributed = chainrule::distributed;
#endif

namespace ad = chainrule::ad;
namespace curve = chainrule::curve;
namespace plot = chainrule::plot;

namespace {

std::atomic<bool> interrupted{false};
extern "C" void on_interrupt(int) { interrupted.store(true); }

struct Settings {
  curve::TrainOptions train;
  std::string init_file, plot_file, json_file, save_dir, resume_dir, dot_file;
  std::size_t log_every = 1000;
  bool optimizer_given = false;
  bool distributed = false;  ///< data-parallel under mpirun: each rank trains on its shard
};

nlohmann::json to_json(const ad::Tensor& t) {
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t r = 0; r < t.shape()[0]; ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (std::size_t c = 0; c < t.shape()[1]; ++c) row.push_back(t(r, c));
    rows.push_back(row);
  }
  return rows;
}

void write_json(const Settings& s, curve::CurveTrainer& trainer, const curve::TrainResult& r) {
  nlohmann::json out;
  out["settings"] = {{"iterations", s.train.iterations},
                     {"aggression", s.train.aggression},
                     {"noise", s.train.noise},
                     {"seed", s.train.seed},
                     {"n1", s.train.n1},
                     {"n2", s.train.n2},
                     {"optimizer", s.train.optimizer},
                     {"init", s.init_file}};
  out["cost"] = nlohmann::json::array();
  for (const curve::Progress& p : r.costs) {
    out["cost"].push_back({{"iteration", p.iteration}, {"cost", p.cost}});
  }
  out["final"] = {
      {"iteration", r.costs.back().iteration}, {"cost", r.final_cost}, {"seconds", r.seconds}};
  for (const auto& [name, p] : trainer.course_parameters())
    out["parameters"][name] = to_json(p.value());
  std::ofstream file(s.json_file);
  file << out.dump(1) << '\n';
  if (!file) throw std::runtime_error("cannot write '" + s.json_file + "'");
}

// The course's figure: the target, the curve drawn every snapshot (faint), the final (bold).
void write_plot(const std::string& file, const curve::CurveTrainer& trainer,
                const curve::TrainResult& r) {
  // The target is periodic in x, so its drawing is closed; the network's need not be.
  const auto row_of = [](const ad::Tensor& y, std::size_t row, bool close) {
    std::vector<double> v(y.shape()[1]);
    for (std::size_t k = 0; k < y.shape()[1]; ++k) v[k] = y(row, k);
    if (close) v.push_back(v.front());
    return v;
  };
  plot::Figure figure("A 1-6-7-2 sigmoid network learns to draw a heart", "y1", "y2");
  figure.limits(0.0, 1.0, 0.0, 1.0);
  for (const ad::Tensor& drawn : r.drawn) {
    figure.line(row_of(drawn, 0, false), row_of(drawn, 1, false), plot::faded(plot::blue, 0.12),
                1.0);
  }
  const ad::Tensor& target = trainer.curve().y;
  figure.line(row_of(target, 0, true), row_of(target, 1, true), plot::faded(plot::black, 0.7), 3.0);
  const ad::Tensor final_curve = trainer.draw();
  figure.line(row_of(final_curve, 0, false), row_of(final_curve, 1, false), plot::red, 2.5);
  figure.legend("target", plot::black);
  figure.legend("training", plot::blue);
  figure.legend("final", plot::red);
  char text[96];
  std::snprintf(text, sizeof text, "cost %.5f after %zu iterations", r.final_cost,
                r.costs.back().iteration);
  figure.note(text);
  figure.save(file);
}

// What is wrong with the settings, or "" (checked before any work is done).
std::string check_settings(const Settings& s) {
  if (s.train.n1 == 0 || s.train.n2 == 0) return "--n1 and --n2 must be at least 1";
  if (!std::isfinite(s.train.aggression) || s.train.aggression <= 0) {
    return "--aggression must be a positive number";
  }
  if (!std::isfinite(s.train.noise) || s.train.noise < 0) {
    return "--noise must be a finite number >= 0";
  }
  if (!s.plot_file.empty()) {
    const std::string extension = std::filesystem::path(s.plot_file).extension().string();
    if (extension != ".png" && extension != ".svg") {
      return "--plot '" + s.plot_file + "': use a .png or .svg file name";
    }
  }
  return "";
}

int run(Settings& s) {
  if (!s.init_file.empty()) s.train.init = curve::load_initial_weights(s.init_file);
  if (!s.optimizer_given && s.train.noise == 0.0) s.train.optimizer = "steepest";
#ifdef CHAINRULE_HAS_DISTRIBUTED
  // Data-parallel: every rank holds the whole network and trains on its shard of the points;
  // one all-reduce per step turns the shard gradients (weighted by shard size) into the
  // full-batch gradient, so every rank takes the same step (the stochastic optimizer's ξ too:
  // every rank draws it from the same seed). Rank 0 alone logs and writes files.
  std::optional<distributed::Communicator> comm;
  if (s.distributed) {
    comm.emplace();
    s.train.examples = distributed::shard(s.train.points, comm->size(), comm->rank(), s.train.seed);
    if (!comm->is_root()) spdlog::set_level(spdlog::level::off);
  }
  const bool root = !comm || comm->is_root();
#else
  const bool root = true;
#endif
  curve::CurveTrainer trainer(s.train);

  std::size_t first = 0;
  if (!s.resume_dir.empty()) {
    const auto metadata =
        chainrule::optim::load_checkpoint(s.resume_dir, trainer.network(), trainer.optimizer());
    first = std::stoul(metadata.at("iteration"));
    spdlog::info("resumed from '{}' at iteration {}", s.resume_dir, first);
  }
#ifdef CHAINRULE_HAS_DISTRIBUTED
  std::optional<distributed::GradientAverager> averager;
  if (comm) {
    // Every rank starts from rank 0's parameters (a checkpoint must be readable by every rank,
    // for the optimizer's state).
    distributed::broadcast_parameters(trainer.network().parameters(), *comm);
    averager.emplace(trainer.network().parameters(), *comm);
    const double weight =
        static_cast<double>(s.train.examples.size()) / static_cast<double>(s.train.points);
    trainer.set_gradient_hook(
        [&averager, weight](double cost) { return averager->average(weight, cost); });
    spdlog::info("data-parallel over {} ranks: {} of {} points on rank 0", comm->size(),
                 s.train.examples.size(), s.train.points);
  }
#endif
  if (first > s.train.iterations) {
    throw std::runtime_error("the checkpoint is at iteration " + std::to_string(first) +
                             ", beyond --iterations " + std::to_string(s.train.iterations));
  }
  if (!s.dot_file.empty() && root) {
    std::ofstream dot(s.dot_file);
    ad::write_dot(dot, trainer.record_cost());
    if (!dot) throw std::runtime_error("cannot write '" + s.dot_file + "'");
  }

  spdlog::info("training {}-{}-{}-{} sigmoid network: {} {} iterations, aggression {}, noise {}", 1,
               s.train.n1, s.train.n2, 2, s.train.optimizer, s.train.iterations - first,
               s.train.aggression, s.train.noise);
  // Under MPI a stop must be agreed by every rank; mpirun ends the job on Ctrl-C instead.
  if (!s.distributed) std::signal(SIGINT, on_interrupt);
  const auto started = std::chrono::steady_clock::now();
  const curve::TrainResult result = curve::train(
      trainer, first, s.train.iterations - first, s.log_every, 100,
      [&](const curve::Progress& p) {
        const double t =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        spdlog::info("iteration {:>6}  cost {:.8f}  ({:.2f} s)", p.iteration, p.cost, t);
      },
      [] { return interrupted.load(); });
  const std::size_t reached = result.costs.back().iteration;

  if (!s.save_dir.empty()) {
    const std::map<std::string, std::string> metadata{{"iteration", std::to_string(reached)}};
#ifdef CHAINRULE_HAS_DISTRIBUTED
    if (comm) {
      distributed::save_checkpoint(s.save_dir, trainer.network(), trainer.optimizer(), metadata,
                                   *comm);  // rank 0 writes, atomically
    } else
#endif
      chainrule::optim::save_checkpoint(s.save_dir, trainer.network(), trainer.optimizer(),
                                        metadata);
    spdlog::info("checkpoint at iteration {} saved to '{}'", reached, s.save_dir);
  }
  if (interrupted.load()) {
    spdlog::warn("interrupted at iteration {}{}", reached,
                 s.save_dir.empty() ? " (no --save given: nothing saved)" : "");
    return 130;
  }
  if (!s.json_file.empty() && root) write_json(s, trainer, result);
  if (!s.plot_file.empty() && root) write_plot(s.plot_file, trainer, result);
  spdlog::info("done: cost {:.8f} after {} iterations in {:.2f} s", result.final_cost, reached,
               result.seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Assignment 1: a sigmoid network learns to draw a heart (chainrule autodiff)"};
  app.add_option("--iterations", s.train.iterations, "optimizer steps")->capture_default_str();
  app.add_option("--aggression", s.train.aggression, "learning rate")->capture_default_str();
  app.add_option("--noise", s.train.noise, "stochastic steepest descent: J*(1 + noise*xi)")
      ->capture_default_str();
  app.add_option("--seed", s.train.seed, "initial weights and noise")->capture_default_str();
  app.add_option("--n1", s.train.n1, "first hidden layer")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--n2", s.train.n2, "second hidden layer")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--init", s.init_file, "initial weights (JSON: W1..b3 nested lists)");
  app.add_option_function<std::string>(
      "--optimizer",
      [&](const std::string& name) {
        s.train.optimizer = name;
        s.optimizer_given = true;
      },
      "stochastic (default; steepest when --noise 0), steepest, momentum, nesterov, rmsprop, adam");
  app.add_option("--log-every", s.log_every, "log the cost every K iterations")
      ->capture_default_str();
  app.add_option("--plot", s.plot_file, "figure: .png or .svg");
  app.add_option("--json", s.json_file, "costs and final parameters as JSON");
  app.add_option("--save", s.save_dir, "checkpoint directory (also written on Ctrl-C)");
  app.add_option("--resume", s.resume_dir, "continue from a checkpoint directory");
  app.add_option("--dot", s.dot_file, "computation graph of one step (Graphviz DOT)");
  app.add_flag("--distributed", s.distributed,
               "data-parallel over MPI ranks (run under mpirun -np K): each rank trains on its "
               "shard of the points");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "backprop_curve: " << e.what() << " (see --help)\n";
    return 2;
  }
  const std::string problem = check_settings(s);
  if (!problem.empty()) {
    std::cerr << "backprop_curve: " << problem << '\n';
    return 2;
  }
#ifdef CHAINRULE_HAS_DISTRIBUTED
  std::optional<distributed::Environment> mpi;
  if (s.distributed) mpi.emplace(argc, argv);
#else
  if (s.distributed) {
    std::cerr << "backprop_curve: --distributed: this build has no MPI (chainrule::distributed "
                 "is built when MPI is found)\n";
    return 2;
  }
#endif
  try {
    return run(s);
  } catch (const std::exception& e) {
    std::cerr << "backprop_curve: " << e.what() << '\n';
#ifdef CHAINRULE_HAS_DISTRIBUTED
    // The other ranks may be waiting in a collective for this one: end the whole job.
    if (mpi) MPI_Abort(MPI_COMM_WORLD, 1);
#endif
    return 1;
  }
}
