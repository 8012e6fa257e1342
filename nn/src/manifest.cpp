// The manifest's JSON: writing, and reading with every value checked before it is used.

#include "manifest.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "atomic_file.hpp"
#include "chainrule/autodiff/errors.hpp"
#include "chainrule/nn/json_depth.hpp"

namespace chainrule::nn::detail {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* format_name = "chainrule-checkpoint";
constexpr std::uint64_t format_version = 1;

// --- writing ---------------------------------------------------------------------------------

json number_to_json(double x) {
  if (std::isfinite(x)) return x;  // nlohmann writes the shortest text that round-trips
  return std::isnan(x) ? "nan" : (x > 0 ? "inf" : "-inf");
}

json entries_to_json(const std::vector<TensorEntry>& entries) {
  json out = json::array();
  for (const TensorEntry& e : entries) {
    out.push_back({{"name", e.name}, {"shape", e.shape}, {"file", e.file}});
  }
  return out;
}

// --- reading ---------------------------------------------------------------------------------

// A short description of a value for messages: never the whole of a hostile document.
std::string describe(const json& j) {
  std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

class Reader {
 public:
  explicit Reader(const fs::path& source) : where_(quoted(source)) {}

  [[noreturn]] void bad(const std::string& what) const { fail(where_ + ": " + what); }

  const json& member(const json& object, const char* key, const std::string& path) const {
    if (!object.is_object()) bad(path + " is not an object");
    const auto it = object.find(key);
    if (it == object.end()) bad(path + " has no '" + key + "'");
    return *it;
  }

  std::string string_member(const json& object, const char* key, const std::string& path) const {
    const json& j = member(object, key, path);
    if (!j.is_string()) bad(path + "." + key + " is not a string: " + describe(j));
    return j.get<std::string>();
  }

  // A non-negative integer ≤ `largest`, checked on the JSON value before any conversion.
  std::uint64_t integer(const json& j, const std::string& path, std::uint64_t largest) const {
    if (!j.is_number_unsigned() || j.get<std::uint64_t>() > largest) {
      bad(path + " is " + describe(j) + ", not an integer in [0, " + std::to_string(largest) + "]");
    }
    return j.get<std::uint64_t>();
  }

  double number(const json& j, const std::string& path) const {
    if (j.is_number()) return j.get<double>();
    if (j.is_string()) {
      const std::string& s = j.get_ref<const std::string&>();
      if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
      if (s == "inf") return std::numeric_limits<double>::infinity();
      if (s == "-inf") return -std::numeric_limits<double>::infinity();
    }
    bad(path + " is " + describe(j) + ", not a number");
  }

  ad::Shape shape(const json& object, const std::string& path) const {
    const json& j = member(object, "shape", path);
    if (!j.is_array()) bad(path + ".shape is not a list: " + describe(j));
    if (j.size() > 32) bad(path + ".shape has " + std::to_string(j.size()) + " dimensions");
    ad::Shape out;
    for (std::size_t d = 0; d < j.size(); ++d) {
      out.push_back(integer(j[d], path + ".shape[" + std::to_string(d) + "]",
                            std::numeric_limits<std::size_t>::max()));
    }
    try {
      (void)ad::element_count(out, "checkpoint manifest");
    } catch (const ad::ShapeError&) {
      bad(path + ".shape " + ad::to_string(out) + " has too many elements to be allocated");
    }
    return out;
  }

  TensorEntry tensor(const json& entry, const std::string& path) const {
    TensorEntry e;
    e.name = string_member(entry, "name", path);
    const std::string named = path + " ('" + e.name + "')";
    e.shape = shape(entry, named);
    e.file = string_member(entry, "file", path);
    const fs::path relative(e.file);
    if (relative.is_absolute() || std::any_of(relative.begin(), relative.end(),
                                              [](const fs::path& part) { return part == ".."; })) {
      bad(named + " points outside the checkpoint: " + e.file);
    }
    return e;
  }

  std::vector<TensorEntry> tensors(const json& list, const std::string& path) const {
    if (!list.is_array()) bad(path + " is not a list: " + describe(list));
    std::vector<TensorEntry> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
      out.push_back(tensor(list[i], path + "[" + std::to_string(i) + "]"));
    }
    return out;
  }

  SectionEntry section(const json& j, const std::string& path) const {
    SectionEntry s;
    s.type = string_member(j, "type", path);
    const json& numbers = member(j, "numbers", path);
    if (!numbers.is_object()) bad(path + ".numbers is not an object");
    for (const auto& [key, value] : numbers.items()) {
      s.numbers[key] = number(value, path + ".numbers." + key);
    }
    const json& texts = member(j, "text", path);
    if (!texts.is_object()) bad(path + ".text is not an object");
    for (const auto& [key, value] : texts.items()) {
      if (!value.is_string()) bad(path + ".text." + key + " is not a string: " + describe(value));
      s.text[key] = value.get<std::string>();
    }
    s.tensors = tensors(member(j, "tensors", path), path + ".tensors");
    return s;
  }

 private:
  std::string where_;
};

}  // namespace

bool reserved_key(const std::string& key) {
  return key == "format" || key == "version" || key == "generation" || key == "parameters" ||
         key == "metadata";
}

std::string manifest_text(const Manifest& m) {
  json manifest;
  manifest["format"] = format_name;
  manifest["version"] = format_version;
  manifest["generation"] = m.generation;
  manifest["parameters"] = entries_to_json(m.parameters);
  for (const auto& [key, section] : m.sections) {
    json s;
    s["type"] = section.type;
    json numbers = json::object();
    for (const auto& [name, value] : section.numbers) numbers[name] = number_to_json(value);
    s["numbers"] = std::move(numbers);
    s["text"] = section.text;
    s["tensors"] = entries_to_json(section.tensors);
    manifest[key] = std::move(s);
  }
  manifest["metadata"] = m.metadata;
  try {
    return manifest.dump(2) + "\n";
  } catch (const json::exception& e) {  // a name or metadata that is not UTF-8
    fail(std::string("cannot write the manifest: ") + e.what());
  }
}

Manifest parse_manifest(const std::string& text, const fs::path& source) {
  const Reader read(source);
  // Bounded before parsing: nothing below may recurse deeper than this.
  if (const std::size_t depth = json_nesting_depth(text); depth > max_json_depth) {
    read.bad("is nested " + std::to_string(depth) + " levels deep (at most " +
             std::to_string(max_json_depth) + ")");
  }
  json manifest;
  try {
    manifest = json::parse(text);
  } catch (const json::exception& e) {
    fail(quoted(source) + " is not valid JSON (" + e.what() + ")");
  }
  if (!manifest.is_object() || !manifest.contains("format") || manifest["format"] != format_name) {
    fail(quoted(source) + " is not a chainrule checkpoint manifest");
  }
  const json& version = read.member(manifest, "version", "the manifest");
  if (!version.is_number_unsigned() || version.get<std::uint64_t>() != format_version) {
    fail(quoted(source) + " has format version " + describe(version) +
         ", this build reads version " + std::to_string(format_version));
  }

  Manifest out;
  if (manifest.contains("generation")) {
    out.generation = read.integer(manifest["generation"], "generation",
                                  std::numeric_limits<std::int64_t>::max());
  }
  out.parameters = read.tensors(read.member(manifest, "parameters", "the manifest"), "parameters");
  std::set<std::string> seen;
  for (const TensorEntry& e : out.parameters) {
    if (!seen.insert(e.name).second) read.bad("lists parameter '" + e.name + "' twice");
  }
  for (const auto& [key, value] : manifest.items()) {
    if (reserved_key(key) || value.is_null()) continue;
    out.sections[key] = read.section(value, key);
  }
  if (manifest.contains("metadata")) {
    const json& metadata = manifest["metadata"];
    if (!metadata.is_object()) read.bad("metadata is not an object: " + describe(metadata));
    for (const auto& [key, value] : metadata.items()) {
      if (!value.is_string()) {
        read.bad("metadata '" + key + "' is " + describe(value) +
                 ", not a string (metadata values are strings)");
      }
      out.metadata[key] = value.get<std::string>();
    }
  }
  return out;
}

}  // namespace chainrule::nn::detail
