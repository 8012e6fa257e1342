// Checkpoints with optimizer state: validated in full before anything is changed.

#include "chainrule/optim/checkpoint.hpp"

namespace chainrule::optim {
namespace {
constexpr const char* optimizer_section = "optimizer";  // the manifest key
}  // namespace

void save_checkpoint(const std::filesystem::path& dir, const nn::NamedParameters& params,
                     const Optimizer& optimizer,
                     const std::map<std::string, std::string>& metadata) {
  nn::save_checkpoint(dir, params, {{optimizer_section, optimizer.state()}}, metadata);
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
  const auto saved = checkpoint.sections.find(optimizer_section);
  if (saved == checkpoint.sections.end()) {
    throw nn::CheckpointError("chainrule: checkpoint: '" + dir.string() +
                              "' holds no optimizer state (saved without an optimizer)");
  }
  optimizer.check_state(saved->second);
  nn::apply_checkpoint(checkpoint, params, dir);
  optimizer.load_state(saved->second);
  return checkpoint.metadata;
}

std::map<std::string, std::string> load_checkpoint(const std::filesystem::path& dir,
                                                   const nn::Module& module, Optimizer& optimizer) {
  return load_checkpoint(dir, module.named_parameters(), optimizer);
}

}  // namespace chainrule::optim
