// Saving and reading a checkpoint directory: generations of data directories, the commit by
// renaming the manifest, and reading every tensor the manifest lists.

#include "chainrule/nn/checkpoint.hpp"

#include <algorithm>
#include <set>

#include "atomic_file.hpp"
#include "manifest.hpp"

namespace chainrule::nn {
namespace fs = std::filesystem;
using detail::fail;
using detail::quoted;

namespace {

constexpr const char* manifest_name = "manifest.json";

// A file name for a tensor: its name with anything unusual replaced, made unique.
std::string file_name(const std::string& prefix, const std::string& name,
                      std::set<std::string>& used) {
  std::string safe;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    safe += ok ? c : '_';
  }
  if (safe.empty() || safe.front() == '.') safe = "_" + safe;
  std::string candidate = prefix + safe;
  for (int i = 1; !used.insert(candidate).second; ++i) {
    candidate = prefix + safe + "-" + std::to_string(i);
  }
  return candidate + ".npy";
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() < 19 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "data-<n>" or "data-<n>.tmp": the directories save_checkpoint creates.
bool is_data_name(std::string name) {
  if (name.rfind("data-", 0) != 0) return false;
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0)
    name.resize(name.size() - 4);
  return all_digits(name.substr(5));
}

// The generation numbers of data-<n> directories in `dir` (at most 18 digits: they fit).
std::vector<unsigned long long> generations(const fs::path& dir) {
  std::vector<unsigned long long> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("data-", 0) != 0) continue;
    if (all_digits(name.substr(5))) out.push_back(std::stoull(name.substr(5)));
  }
  return out;
}

// Writes one tensor into the staging directory and returns its manifest entry.
detail::TensorEntry stage(const fs::path& staging, const std::string& data_name,
                          const std::string& file, const std::string& name,
                          const ad::Tensor& value) {
  detail::write_synced(staging / file, detail::npy_bytes(value));
  return {name, ad::shape_of(value), data_name + "/" + file};
}

// Reads the tensor an entry names, checking the file's shape against the manifest's.
ad::Tensor read_tensor(const fs::path& dir, const detail::TensorEntry& entry) {
  const fs::path file = dir / entry.file;
  ad::Tensor value = load_npy(file);
  if (ad::shape_of(value) != entry.shape) {
    fail(quoted(file) + " holds shape " + ad::to_string(ad::shape_of(value)) +
         " but the manifest says " + ad::to_string(entry.shape) + " for '" + entry.name + "'");
  }
  return value;
}

}  // namespace

void save_checkpoint(const fs::path& dir, const NamedParameters& params,
                     const CheckpointSections& sections,
                     const std::map<std::string, std::string>& metadata) {
  std::set<std::string> names;
  for (const NamedParameter& np : params) {
    if (np.name.empty()) fail("cannot save a parameter without a name");
    if (!names.insert(np.name).second) fail("two parameters are called '" + np.name + "'");
  }
  for (const auto& [key, section] : sections) {
    if (key.empty() || detail::reserved_key(key)) {
      fail("a section cannot be called '" + key + "' (a name the manifest uses itself)");
    }
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("cannot create directory " + quoted(dir) + ": " + ec.message());

  detail::Manifest manifest;
  for (unsigned long long g : generations(dir)) {
    manifest.generation = std::max(manifest.generation, g + 1);
  }
  const std::string data_name = "data-" + std::to_string(manifest.generation);
  const fs::path staging = dir / (data_name + ".tmp");
  fs::remove_all(staging, ec);
  fs::create_directory(staging, ec);
  if (ec) fail("cannot create directory " + quoted(staging) + ": " + ec.message());

  std::set<std::string> used;
  for (const NamedParameter& np : params) {
    manifest.parameters.push_back(
        stage(staging, data_name, file_name("", np.name, used), np.name, np.parameter.value()));
  }
  for (const auto& [key, section] : sections) {
    detail::SectionEntry& entry = manifest.sections[key];
    entry.type = section.type;
    entry.numbers = section.numbers;
    entry.text = section.text;
    for (const auto& [name, value] : section.tensors) {
      entry.tensors.push_back(
          stage(staging, data_name, file_name(key + ".", name, used), name, value));
    }
  }
  manifest.metadata = metadata;
  const std::string text = detail::manifest_text(manifest);

  // Commit: data directory in place, then the manifest replaces the previous one.
  detail::sync_path(staging, true);
  detail::rename_or_fail(staging, dir / data_name);
  detail::write_atomically(dir / manifest_name, text);
  detail::sync_path(dir, true);

  // The previous data is no longer referenced: remove it (failures here are harmless). Only
  // names this code makes, data-<n> and data-<n>.tmp, so nothing else in `dir` is touched.
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name != data_name && is_data_name(name)) stale.push_back(entry.path());
  }
  for (const fs::path& path : stale) {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
}

void save_checkpoint(const fs::path& dir, const Module& module, const CheckpointSections& sections,
                     const std::map<std::string, std::string>& metadata) {
  save_checkpoint(dir, module.named_parameters(), sections, metadata);
}

Checkpoint read_checkpoint(const fs::path& dir) {
  const fs::path manifest_path = dir / manifest_name;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail("no checkpoint directory " + quoted(dir));
  if (!fs::exists(manifest_path, ec)) {
    fail("no checkpoint in " + quoted(dir) + ": " + quoted(manifest_path) + " does not exist");
  }
  const detail::Manifest manifest =
      detail::parse_manifest(detail::read_all(manifest_path), manifest_path);

  Checkpoint out;
  for (const detail::TensorEntry& e : manifest.parameters) {
    out.parameters.emplace_back(e.name, read_tensor(dir, e));
  }
  for (const auto& [key, entry] : manifest.sections) {
    CheckpointSection& section = out.sections[key];
    section.type = entry.type;
    section.numbers = entry.numbers;
    section.text = entry.text;
    for (const detail::TensorEntry& e : entry.tensors) {
      section.tensors.emplace_back(e.name, read_tensor(dir, e));
    }
  }
  out.metadata = manifest.metadata;
  return out;
}

}  // namespace chainrule::nn
