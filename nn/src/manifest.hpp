#pragma once
// The JSON manifest of a checkpoint: what it lists, and its text. Reading validates every
// value's type and range (bounded nesting, integers checked before any conversion, string
// metadata) so that the rest of the loader only sees well-formed entries. Private to nn.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "chainrule/autodiff/tensor.hpp"

namespace chainrule::nn::detail {

/// One tensor of the checkpoint: its name, its shape and its .npy file (relative to the
/// checkpoint directory; never absolute, never through "..").
struct TensorEntry {
  std::string name;
  ad::Shape shape;
  std::string file;
};

/// Extra state beside the parameters (an optimizer's), as the manifest lists it.
struct SectionEntry {
  std::string type;
  std::map<std::string, double> numbers;
  std::map<std::string, std::string> text;
  std::vector<TensorEntry> tensors;
};

struct Manifest {
  unsigned long long generation = 1;
  std::vector<TensorEntry> parameters;
  std::map<std::string, SectionEntry> sections;  ///< top-level keys other than the reserved ones
  std::map<std::string, std::string> metadata;
};

/// The manifest as JSON text (17 significant digits: every double round-trips).
std::string manifest_text(const Manifest& manifest);
/// Parses and validates a manifest read from `source` (named in every message).
Manifest parse_manifest(const std::string& text, const std::filesystem::path& source);
/// True for the top-level keys the format itself uses (no section may take them).
bool reserved_key(const std::string& key);

}  // namespace chainrule::nn::detail
