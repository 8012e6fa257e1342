// Matching a checkpoint to a model's parameters by name and shape: all or nothing.

#include <algorithm>

#include "atomic_file.hpp"
#include "chainrule/nn/checkpoint.hpp"

namespace chainrule::nn {
namespace fs = std::filesystem;

namespace {

const ad::Tensor* find_saved(const Checkpoint& checkpoint, const std::string& name) {
  for (const auto& [saved, value] : checkpoint.parameters) {
    if (saved == name) return &value;
  }
  return nullptr;
}

}  // namespace

void check_checkpoint(const Checkpoint& checkpoint, const NamedParameters& params,
                      const fs::path& source) {
  std::vector<std::string> problems;
  for (const NamedParameter& np : params) {
    const ad::Tensor* saved = find_saved(checkpoint, np.name);
    if (saved == nullptr) {
      problems.push_back("missing parameter '" + np.name + "' " +
                         ad::to_string(np.parameter.shape()));
    } else if (ad::shape_of(*saved) != np.parameter.shape()) {
      problems.push_back("parameter '" + np.name + "' has shape " +
                         ad::to_string(ad::shape_of(*saved)) + " in the checkpoint but " +
                         ad::to_string(np.parameter.shape()) + " in the model");
    }
  }
  for (const auto& [name, value] : checkpoint.parameters) {
    const bool known =
        std::any_of(params.begin(), params.end(),
                    [&saved = name](const NamedParameter& np) { return np.name == saved; });
    if (!known) {
      problems.push_back("unexpected parameter '" + name + "' " +
                         ad::to_string(ad::shape_of(value)) + " (not in the model)");
    }
  }
  if (!problems.empty()) {
    std::string message = "checkpoint " +
                          (source.empty() ? std::string() : detail::quoted(source) + " ") +
                          "does not match the model: ";
    for (std::size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    detail::fail(message);
  }
}

void apply_checkpoint(const Checkpoint& checkpoint, const NamedParameters& params,
                      const fs::path& source) {
  check_checkpoint(checkpoint, params, source);
  for (const NamedParameter& np : params) {
    const ad::Tensor& saved = *find_saved(checkpoint, np.name);
    Parameter p = np.parameter;
    std::copy_n(saved.data(), saved.size(), p.value().data());  // keeps the buffer
  }
}

Checkpoint load_checkpoint(const fs::path& dir, const NamedParameters& params) {
  Checkpoint checkpoint = read_checkpoint(dir);
  apply_checkpoint(checkpoint, params, dir);
  return checkpoint;
}

Checkpoint load_checkpoint(const fs::path& dir, const Module& module) {
  return load_checkpoint(dir, module.named_parameters());
}

}  // namespace chainrule::nn
