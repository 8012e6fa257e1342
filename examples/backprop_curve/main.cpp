// Assignment 1 of the course: a 1 → 6 → 7 → 2 sigmoid network learns to draw a heart from the
// distance travelled along it, trained by stochastic steepest descent on gradients that
// chainrule computes. The network in the course's notation is course.hpp; this is the outline
// of the program: the command line is in settings.cpp, checkpoints in resume.cpp, MPI in
// parallel.cpp, the files it writes in outputs.cpp.
#include <chrono>

#include <spdlog/spdlog.h>
#include <cli.hpp>

#include "outputs.hpp"
#include "parallel.hpp"
#include "resume.hpp"
#include "settings.hpp"
#include "trainer.hpp"

namespace curve = chainrule::curve;
namespace examples = chainrule::examples;

namespace {

int train_the_heart(const curve::Settings& s, curve::Parallel& parallel) {
  // The network, its data (this rank's shard) and the optimizer; a resumed run's state.
  curve::TrainOptions options = s.train;
  parallel.shard(options);
  curve::CurveTrainer trainer(options);
  const std::size_t first = s.resumed_at;
  if (!s.resume_dir.empty()) {
    curve::load_run(s.resume_dir, trainer);
    spdlog::info("resumed from '{}' at iteration {}", s.resume_dir, first);
  }
  parallel.synchronise(trainer);
  if (s.check_jacobians) {
    curve::check_jacobians(trainer);
    return 0;
  }
  if (!s.dot_file.empty() && parallel.root()) {
    curve::write_dot(s.dot_file, trainer);
    spdlog::info("wrote {}", s.dot_file);
  }

  // Training, with a checkpoint every K iterations and on SIGINT/SIGTERM. Under MPI a stop
  // must be agreed by every rank: mpirun ends the job on a signal instead.
  const auto save = [&](std::size_t iteration) {
    parallel.on_root([&] { curve::save_run(s.save_dir, trainer, iteration); });
    spdlog::info("wrote {} (checkpoint at iteration {})", s.save_dir, iteration);
  };
  std::size_t saved_at = first;
  if (!s.distributed) examples::catch_stop_signals();
  spdlog::info("training 1-{}-{}-2 sigmoid network: {} {} iterations, aggression {}, noise {}",
               options.n1, options.n2, options.optimizer, options.iterations - first,
               options.aggression, options.noise);
  const auto started = std::chrono::steady_clock::now();
  const curve::TrainResult result = curve::train(
      trainer, first, options.iterations - first, s.log_every, 100,
      [&](const curve::Progress& p) {
        const double t =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        spdlog::info("iteration {:>6}  cost {:.8f}  ({:.2f} s)", p.iteration, p.cost, t);
      },
      [] { return examples::stop_signal() != 0; },
      [&](std::size_t iteration) {
        if (s.checkpoint_every > 0 && iteration % s.checkpoint_every == 0) {
          save(iteration);
          saved_at = iteration;
        }
      });
  const std::size_t reached = result.costs.back().iteration;
  if (!s.save_dir.empty() && saved_at != reached) save(reached);
  if (examples::stop_signal() != 0) {
    spdlog::warn("interrupted at iteration {}{}", reached,
                 s.save_dir.empty() ? " (no --save given: nothing saved)" : "");
    return examples::signal_exit_code();
  }

  // The results.
  if (parallel.root() && !s.json_file.empty()) {
    curve::write_json(s.json_file, trainer, result, s.init_file, s.resume_dir);
    spdlog::info("wrote {}", s.json_file);
  }
  if (parallel.root() && !s.plot_file.empty()) {
    curve::write_plot(s.plot_file, trainer, result);
    spdlog::info("wrote {}", s.plot_file);
  }
  spdlog::info("done: cost {:.8f} after {} iterations in {:.2f} s", result.final_cost, reached,
               result.seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  curve::Settings settings;
  CLI::App app{
      "Assignment 1: a sigmoid network learns to draw a heart (chainrule autodiff).\n"
      "Exit codes: 0 done, 1 a file or the run failed, 2 a usage error, 128 + signal after "
      "SIGINT or SIGTERM (the --save checkpoint is written first).",
      "backprop_curve"};
  curve::add_flags(app, settings);
  return examples::run("backprop_curve", app, argc, argv, [&] {
    curve::check(app, settings);  // every flag and file, before any work
    curve::Parallel parallel(settings.distributed, argc, argv);
    return parallel.run("backprop_curve", [&] { return train_the_heart(settings, parallel); });
  });
}
