// Checkpoints with optimizer state: validated in full before anything is changed.

#include "chainrule/optim/checkpoint.hpp"

namespace chainrule::optim {

void save_checkpoint(const std::filesystem::path& dir, const nn::NamedParameters& params,
                     const Optimizer& optimizer,
                     const std::map<std::string, std::string>& metadata) {
  const nn::OptimizerState state = optimizer.state();
  nn::save_checkpoint(dir, params, &state, metadata);
}

void save_checkpoint(const std::filesystem::path& dir, const nn::Module& module,
                     const Optimizer& optimizer,
                     const std::map<std::string, std::string>& metadata) {
  save_checkpoint(dir, module.named_parameters(), optimizer, metadata);
}

std::map<std::string, std::string> load_checkpoint(const std::filesystem::path& dir,
                                                   const nn::NamedParameters& params,
                                                   Optimizer& optimizer) {
  nn::Checkpoint checkpoint = nn::read_checkpoint(dir);
  nn::check_checkpoint(checkpoint, params, dir);
  if (!checkpoint.optimizer) {
    throw nn::CheckpointError("chainrule: checkpoint: '" + dir.string() +
                              "' holds no optimizer state (saved without an optimizer)");
  }
  optimizer.check_state(*checkpoint.optimizer);
  nn::apply_checkpoint(checkpoint, params, dir);
  optimizer.load_state(*checkpoint.optimizer);
  return checkpoint.metadata;
}

std::map<std::string, std::string> load_checkpoint(const std::filesystem::path& dir,
                                                   const nn::Module& module, Optimizer& optimizer) {
  return load_checkpoint(dir, module.named_parameters(), optimizer);
}

}  // namespace chainrule::optim
