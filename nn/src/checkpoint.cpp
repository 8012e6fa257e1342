// Checkpoints: .npy tensors + JSON manifest, committed atomically by renaming the manifest.
//
// Writing uses xtensor's xnpy (so the files are exactly what numpy expects). Reading parses
// and validates the .npy header here instead of calling xt::load_npy, because xnpy 0.24.3
// does not notice a truncated file (it reads short and returns garbage), sign-extends header
// length bytes ≥ 0x80 (headers longer than 127 bytes are misread), and indexes an empty
// string on some malformed headers; a checkpoint loader must reject all of those cleanly.

#include "chainrule/nn/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <xtensor/xnpy.hpp>

namespace chainrule::nn {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* manifest_name = "manifest.json";
constexpr const char* format_name = "chainrule-checkpoint";
constexpr int format_version = 1;

[[noreturn]] void fail(const std::string& message) {
  throw CheckpointError("chainrule: checkpoint: " + message);
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// --- synced writes -------------------------------------------------------------------------

void sync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) fail("cannot open " + quoted(path) + " to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  // Some file systems do not support syncing a directory; the data is still written.
  if (rc != 0 && !(directory && (err == EINVAL || err == ENOTSUP))) {
    fail("cannot sync " + quoted(path) + ": " + std::strerror(err));
  }
}

// Writes `bytes` to `path` and flushes them to the device before returning.
void write_synced(const fs::path& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create " + quoted(path) + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      fail("cannot write " + quoted(path) + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail("cannot sync " + quoted(path) + ": " + std::strerror(err));
  }
  if (::close(fd) != 0) fail("cannot close " + quoted(path) + ": " + std::strerror(errno));
}

std::string npy_bytes(const ad::Tensor& t) { return xt::dump_npy(t); }

// --- .npy reading ----------------------------------------------------------------------------

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(file, ec)) fail("missing file " + quoted(file));
    fail("cannot open " + quoted(file) + ": " + std::strerror(errno));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) fail("cannot read " + quoted(file));
  return buffer.str();
}

// The value of `key` in numpy's header dict, as text up to the next top-level ',' or '}'.
std::string header_value(const std::string& header, const std::string& key, const fs::path& file) {
  const std::string quoted_key = "'" + key + "'";
  std::size_t pos = header.find(quoted_key);
  if (pos == std::string::npos) fail(quoted(file) + " is corrupt: its header has no " + quoted_key);
  pos = header.find(':', pos + quoted_key.size());
  if (pos == std::string::npos) fail(quoted(file) + " is corrupt: malformed header");
  ++pos;
  std::size_t end = pos;
  int depth = 0;
  while (end < header.size()) {
    const char c = header[end];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth == 0 && (c == ',' || c == '}')) break;
    if (depth < 0) fail(quoted(file) + " is corrupt: unbalanced parentheses in its header");
    ++end;
  }
  std::string value = header.substr(pos, end - pos);
  value.erase(std::remove(value.begin(), value.end(), ' '), value.end());
  return value;
}

ad::Shape parse_shape(std::string text, const fs::path& file) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') {
    fail(quoted(file) + " is corrupt: shape '" + text + "' is not a tuple");
  }
  text = text.substr(1, text.size() - 2);
  ad::Shape shape;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    if (item.empty() || item.size() > 18 ||
        !std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      fail(quoted(file) + " is corrupt: bad extent '" + item + "' in its shape");
    }
    shape.push_back(static_cast<std::size_t>(std::stoull(item)));
    pos = comma + 1;
  }
  return shape;
}

}  // namespace

ad::Tensor load_npy(const fs::path& file) {
  const std::string bytes = read_all(file);
  const std::string magic = "\x93NUMPY";
  if (bytes.size() < magic.size() + 2 || bytes.compare(0, magic.size(), magic) != 0) {
    if (bytes.size() < magic.size() && magic.compare(0, bytes.size(), bytes) == 0) {
      fail(quoted(file) + " is truncated: " + std::to_string(bytes.size()) +
           " bytes, shorter than a .npy header");
    }
    fail(quoted(file) + " is not a .npy file (no \\x93NUMPY signature)");
  }
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  const unsigned major = byte(6);
  if (major < 1 || major > 3) {
    fail(quoted(file) + " has unsupported .npy format version " + std::to_string(major));
  }
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  std::size_t offset = 8 + length_bytes;
  if (bytes.size() < offset) fail(quoted(file) + " is truncated inside its header");
  std::size_t header_length = 0;
  for (std::size_t i = 0; i < length_bytes; ++i) {
    header_length |= static_cast<std::size_t>(byte(8 + i)) << (8 * i);
  }
  if (bytes.size() < offset + header_length) {
    fail(quoted(file) + " is truncated: its header needs " +
         std::to_string(offset + header_length) + " bytes, the file has " +
         std::to_string(bytes.size()));
  }
  const std::string header = bytes.substr(offset, header_length);
  offset += header_length;
  if (header.empty() || header.find('{') == std::string::npos ||
      header.find('}') == std::string::npos) {
    fail(quoted(file) + " is corrupt: its header is not a dict");
  }

  const std::string descr = header_value(header, "descr", file);
  if (descr != "'<f8'" && descr != "'=f8'") {
    fail(quoted(file) + " holds dtype " + descr + ", expected float64 ('<f8')");
  }
  const std::string order = header_value(header, "fortran_order", file);
  if (order != "True" && order != "False") {
    fail(quoted(file) + " is corrupt: fortran_order is '" + order + "'");
  }
  const ad::Shape shape = parse_shape(header_value(header, "shape", file), file);

  std::size_t count = 1;
  for (std::size_t extent : shape) {
    if (extent != 0 && count > std::numeric_limits<std::size_t>::max() / 8 / extent) {
      fail(quoted(file) + " is corrupt: shape " + ad::to_string(shape) + " is too large");
    }
    count *= extent;
  }
  const std::size_t expected = count * sizeof(double);
  const std::size_t actual = bytes.size() - offset;
  if (actual < expected) {
    fail(quoted(file) + " is truncated: shape " + ad::to_string(shape) + " needs " +
         std::to_string(expected) + " bytes of data, the file has " + std::to_string(actual));
  }
  if (actual > expected) {
    fail(quoted(file) + " is corrupt: " + std::to_string(actual - expected) +
         " unexpected bytes after the data of shape " + ad::to_string(shape));
  }

  ad::Tensor out = ad::Tensor::from_shape(shape);
  if (order == "False" || shape.size() < 2) {
    if (expected > 0) std::memcpy(out.data(), bytes.data() + offset, expected);
  } else {  // Fortran order: walk the output in row-major order, reading column-major
    std::vector<std::size_t> stride(shape.size(), 1);
    for (std::size_t d = 1; d < shape.size(); ++d) stride[d] = stride[d - 1] * shape[d - 1];
    std::vector<std::size_t> index(shape.size(), 0);
    const char* data = bytes.data() + offset;
    for (std::size_t i = 0; i < count; ++i) {
      std::size_t source = 0;
      for (std::size_t d = 0; d < shape.size(); ++d) source += index[d] * stride[d];
      std::memcpy(out.data() + i, data + source * sizeof(double), sizeof(double));
      for (std::size_t d = shape.size(); d-- > 0;) {
        if (++index[d] < shape[d]) break;
        index[d] = 0;
      }
    }
  }
  return out;
}

void save_npy(const fs::path& file, const ad::Tensor& tensor) {
  fs::path tmp = file;
  tmp += ".tmp";
  write_synced(tmp, npy_bytes(tensor));
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) fail("cannot rename " + quoted(tmp) + " to " + quoted(file) + ": " + ec.message());
}

namespace {

// --- manifest helpers ------------------------------------------------------------------------

json number_to_json(double x) {
  if (std::isfinite(x)) return x;  // nlohmann writes the shortest text that round-trips
  return std::isnan(x) ? "nan" : (x > 0 ? "inf" : "-inf");
}

double number_from_json(const json& j, const std::string& where) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
  }
  fail("manifest: " + where + " is not a number");
}

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

json tensor_entry(const std::string& name, const ad::Tensor& t, const std::string& file) {
  return {{"name", name}, {"shape", ad::shape_of(t)}, {"file", file}};
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

// The generation numbers of data-<n> directories in `dir`.
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

const json& member(const json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) {
    fail("manifest: " + where + " has no '" + key + "'");
  }
  return object.at(key);
}

std::string string_member(const json& object, const char* key, const std::string& where) {
  const json& j = member(object, key, where);
  if (!j.is_string()) fail("manifest: " + where + "." + key + " is not a string");
  return j.get<std::string>();
}

ad::Shape shape_member(const json& object, const std::string& where) {
  const json& j = member(object, "shape", where);
  if (!j.is_array()) fail("manifest: " + where + ".shape is not a list");
  ad::Shape shape;
  for (const json& e : j) {
    if (!e.is_number_unsigned()) fail("manifest: " + where + ".shape has a non-integer extent");
    shape.push_back(e.get<std::size_t>());
  }
  return shape;
}

// Reads one tensor entry {name, shape, file} and its file, checking the shapes agree.
std::pair<std::string, ad::Tensor> read_tensor(const fs::path& dir, const json& entry,
                                               const std::string& where) {
  const std::string name = string_member(entry, "name", where);
  const ad::Shape shape = shape_member(entry, where + " ('" + name + "')");
  const std::string file = string_member(entry, "file", where);
  const fs::path relative(file);
  if (relative.is_absolute() || std::any_of(relative.begin(), relative.end(),
                                            [](const fs::path& part) { return part == ".."; })) {
    fail("manifest: " + where + " ('" + name + "') points outside the checkpoint: " + file);
  }
  ad::Tensor value = load_npy(dir / relative);
  if (ad::shape_of(value) != shape) {
    fail(quoted(dir / relative) + " holds shape " + ad::to_string(ad::shape_of(value)) +
         " but the manifest says " + ad::to_string(shape) + " for '" + name + "'");
  }
  return {name, std::move(value)};
}

}  // namespace

void save_checkpoint(const fs::path& dir, const NamedParameters& params,
                     const OptimizerState* optimizer,
                     const std::map<std::string, std::string>& metadata) {
  std::set<std::string> names;
  for (const NamedParameter& np : params) {
    if (np.name.empty()) fail("cannot save a parameter without a name");
    if (!names.insert(np.name).second) fail("two parameters are called '" + np.name + "'");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("cannot create directory " + quoted(dir) + ": " + ec.message());

  unsigned long long generation = 1;
  for (unsigned long long g : generations(dir)) generation = std::max(generation, g + 1);
  const std::string data_name = "data-" + std::to_string(generation);
  const fs::path staging = dir / (data_name + ".tmp");
  fs::remove_all(staging, ec);
  fs::create_directory(staging, ec);
  if (ec) fail("cannot create directory " + quoted(staging) + ": " + ec.message());

  json manifest;
  manifest["format"] = format_name;
  manifest["version"] = format_version;
  manifest["generation"] = generation;
  json entries = json::array();
  std::set<std::string> used;
  for (const NamedParameter& np : params) {
    const std::string file = file_name("", np.name, used);
    write_synced(staging / file, npy_bytes(np.parameter.value()));
    entries.push_back(tensor_entry(np.name, np.parameter.value(), data_name + "/" + file));
  }
  manifest["parameters"] = std::move(entries);
  if (optimizer != nullptr) {
    json opt;
    opt["type"] = optimizer->type;
    json numbers = json::object();
    for (const auto& [key, value] : optimizer->numbers) numbers[key] = number_to_json(value);
    opt["numbers"] = std::move(numbers);
    opt["text"] = optimizer->text;
    json tensors = json::array();
    for (const auto& [name, value] : optimizer->tensors) {
      const std::string file = file_name("optimizer.", name, used);
      write_synced(staging / file, npy_bytes(value));
      tensors.push_back(tensor_entry(name, value, data_name + "/" + file));
    }
    opt["tensors"] = std::move(tensors);
    manifest["optimizer"] = std::move(opt);
  }
  manifest["metadata"] = metadata;

  // Commit: data directory in place, then the manifest replaces the previous one.
  sync_path(staging, true);
  const fs::path data_dir = dir / data_name;
  fs::rename(staging, data_dir, ec);
  if (ec)
    fail("cannot rename " + quoted(staging) + " to " + quoted(data_dir) + ": " + ec.message());
  const fs::path manifest_tmp = dir / (std::string(manifest_name) + ".tmp");
  write_synced(manifest_tmp, manifest.dump(2) + "\n");
  fs::rename(manifest_tmp, dir / manifest_name, ec);
  if (ec) {
    fail("cannot rename " + quoted(manifest_tmp) + " to " + quoted(dir / manifest_name) + ": " +
         ec.message());
  }
  sync_path(dir, true);

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

void save_checkpoint(const fs::path& dir, const Module& module, const OptimizerState* optimizer,
                     const std::map<std::string, std::string>& metadata) {
  save_checkpoint(dir, module.named_parameters(), optimizer, metadata);
}

Checkpoint read_checkpoint(const fs::path& dir) {
  const fs::path manifest_path = dir / manifest_name;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail("no checkpoint directory " + quoted(dir));
  if (!fs::exists(manifest_path, ec)) {
    fail("no checkpoint in " + quoted(dir) + ": " + quoted(manifest_path) + " does not exist");
  }
  const std::string text = read_all(manifest_path);
  json manifest;
  try {
    manifest = json::parse(text);
  } catch (const json::exception& e) {
    fail(quoted(manifest_path) + " is not valid JSON (" + e.what() + ")");
  }
  const std::string where = quoted(manifest_path);
  if (!manifest.is_object() || manifest.value("format", "") != format_name) {
    fail(where + " is not a chainrule checkpoint manifest");
  }
  const json& version = member(manifest, "version", where);
  if (!version.is_number_integer() || version.get<int>() != format_version) {
    fail(where + " has format version " + version.dump() + ", this build reads version " +
         std::to_string(format_version));
  }

  Checkpoint out;
  const json& parameters = member(manifest, "parameters", where);
  if (!parameters.is_array()) fail("manifest: 'parameters' is not a list");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    out.parameters.push_back(
        read_tensor(dir, parameters[i], "parameters[" + std::to_string(i) + "]"));
    if (!seen.insert(out.parameters.back().first).second) {
      fail(where + " lists parameter '" + out.parameters.back().first + "' twice");
    }
  }
  if (manifest.contains("optimizer") && !manifest["optimizer"].is_null()) {
    const json& opt = manifest["optimizer"];
    OptimizerState state;
    state.type = string_member(opt, "type", "optimizer");
    const json& numbers = member(opt, "numbers", "optimizer");
    if (!numbers.is_object()) fail("manifest: optimizer.numbers is not an object");
    for (const auto& [key, value] : numbers.items()) {
      state.numbers[key] = number_from_json(value, "optimizer.numbers." + key);
    }
    const json& texts = member(opt, "text", "optimizer");
    if (!texts.is_object()) fail("manifest: optimizer.text is not an object");
    for (const auto& [key, value] : texts.items()) {
      if (!value.is_string()) fail("manifest: optimizer.text." + key + " is not a string");
      state.text[key] = value.get<std::string>();
    }
    const json& tensors = member(opt, "tensors", "optimizer");
    if (!tensors.is_array()) fail("manifest: optimizer.tensors is not a list");
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      state.tensors.push_back(
          read_tensor(dir, tensors[i], "optimizer.tensors[" + std::to_string(i) + "]"));
    }
    out.optimizer = std::move(state);
  }
  if (manifest.contains("metadata")) {
    for (const auto& [key, value] : manifest["metadata"].items()) {
      out.metadata[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  return out;
}

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
    std::string message = "checkpoint " + (source.empty() ? std::string() : quoted(source) + " ") +
                          "does not match the model: ";
    for (std::size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    fail(message);
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

std::optional<OptimizerState> load_checkpoint(const fs::path& dir, const NamedParameters& params) {
  Checkpoint checkpoint = read_checkpoint(dir);
  apply_checkpoint(checkpoint, params, dir);
  return std::move(checkpoint.optimizer);
}

std::optional<OptimizerState> load_checkpoint(const fs::path& dir, const Module& module) {
  return load_checkpoint(dir, module.named_parameters());
}

}  // namespace chainrule::nn
