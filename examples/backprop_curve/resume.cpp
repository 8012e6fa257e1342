#include "resume.hpp"

#include <filesystem>
#include <limits>
#include <stdexcept>

#include <chainrule/optim/checkpoint.hpp>
#include <cli.hpp>

#include "settings.hpp"

namespace chainrule::curve {
namespace {

using examples::exact_text;

// One saved setting: its metadata key, its flag, and how it reads back.
class SavedSettings {
 public:
  SavedSettings(const std::string& dir, std::map<std::string, std::string> metadata,
                std::function<bool(const std::string&)> given)
      : file_((std::filesystem::path(dir) / "manifest.json").string()),
        dir_(dir),
        metadata_(std::move(metadata)),
        given_(std::move(given)) {}

  const std::string& text(const std::string& key) const {
    const auto it = metadata_.find(key);
    if (it == metadata_.end()) {
      throw std::runtime_error(file_ + ": the metadata has no '" + key +
                               "' (not a checkpoint of a backprop_curve run)");
    }
    return it->second;
  }

  std::uint64_t whole(const std::string& key, std::uint64_t min, std::uint64_t max) const {
    try {
      return examples::parse_whole(text(key), min, max);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(file_ + ": metadata '" + key + "' = '" +
                               examples::printable(text(key)) + "' " + e.what());
    }
  }

  double real(const std::string& key) const {
    try {
      return examples::parse_real(text(key));
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(file_ + ": metadata '" + key + "' = '" +
                               examples::printable(text(key)) + "' " + e.what());
    }
  }

  // Restores `value` from the checkpoint, unless the command line gave a different one.
  template <class T>
  void restore(const std::string& key, T& value, const T& saved, const std::string& shown) const {
    const std::string flag = "--" + key;
    if (given_(flag) && value != saved) {
      throw examples::UsageError(flag + " " + show(value) + " contradicts the checkpoint '" + dir_ +
                                 "' (" + key + " " + shown +
                                 "); leave the flag out to continue the saved run");
    }
    value = saved;
  }

 private:
  static std::string show(double v) { return exact_text(v); }
  static std::string show(std::uint64_t v) { return std::to_string(v); }
  static std::string show(const std::string& v) { return v; }

  std::string file_, dir_;
  std::map<std::string, std::string> metadata_;
  std::function<bool(const std::string&)> given_;
};

}  // namespace

std::map<std::string, std::string> run_metadata(const TrainOptions& o, std::size_t iteration) {
  return {{"program", "backprop_curve"},
          {"iteration", std::to_string(iteration)},
          {"iterations", std::to_string(o.iterations)},
          {"n1", std::to_string(o.n1)},
          {"n2", std::to_string(o.n2)},
          {"points", std::to_string(o.points)},
          {"aggression", exact_text(o.aggression)},
          {"noise", exact_text(o.noise)},
          {"optimizer", o.optimizer},
          {"layers", o.layers},
          {"seed", std::to_string(o.seed)}};
}

std::size_t restore_settings(const std::string& dir, TrainOptions& o,
                             const std::function<bool(const std::string&)>& given) {
  const nn::Checkpoint checkpoint = nn::read_checkpoint(dir);
  const SavedSettings saved(dir, checkpoint.metadata, given);
  const std::size_t reached = saved.whole("iteration", 0, max_iterations);
  std::uint64_t n1 = o.n1, n2 = o.n2, seed = o.seed;
  saved.restore("n1", n1, saved.whole("n1", 1, max_layer_size), saved.text("n1"));
  saved.restore("n2", n2, saved.whole("n2", 1, max_layer_size), saved.text("n2"));
  saved.restore("seed", seed, saved.whole("seed", 0, std::numeric_limits<std::uint64_t>::max()),
                saved.text("seed"));
  o.n1 = n1, o.n2 = n2, o.seed = seed;
  o.points = saved.whole("points", 1, 1'000'000);
  saved.restore("aggression", o.aggression, saved.real("aggression"), saved.text("aggression"));
  saved.restore("noise", o.noise, saved.real("noise"), saved.text("noise"));
  saved.restore("optimizer", o.optimizer, saved.text("optimizer"), saved.text("optimizer"));
  saved.restore("layers", o.layers, saved.text("layers"), saved.text("layers"));
  if (!given("--iterations")) {
    o.iterations = saved.whole("iterations", 0, max_iterations);
  }
  if (o.iterations < reached) {
    throw examples::UsageError("--iterations " + std::to_string(o.iterations) +
                               " is below the checkpoint's iteration " + std::to_string(reached) +
                               " ('" + dir + "'): --iterations is the total to reach");
  }
  return reached;
}

void save_run(const std::string& dir, CurveTrainer& trainer, std::size_t iteration) {
  optim::save_checkpoint(dir, trainer.course_parameters(), trainer.optimizer(),
                         run_metadata(trainer.options(), iteration));
}

void load_run(const std::string& dir, CurveTrainer& trainer) {
  optim::load_checkpoint(dir, trainer.course_parameters(), trainer.optimizer());
}

}  // namespace chainrule::curve
