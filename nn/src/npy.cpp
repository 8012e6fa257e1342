// The .npy format. Writing uses xtensor's xnpy (so the files are exactly what numpy expects).
// Reading parses and validates the header here instead of calling xt::load_npy, because xnpy
// 0.24.3 does not notice a truncated file (it reads short and returns garbage), sign-extends
// header length bytes ≥ 0x80 (headers longer than 127 bytes are misread), and indexes an empty
// string on some malformed headers; a checkpoint loader must reject all of those cleanly.

#include "chainrule/nn/npy.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <xtensor/xnpy.hpp>

#include "atomic_file.hpp"
#include "chainrule/autodiff/errors.hpp"

namespace chainrule::nn {
namespace fs = std::filesystem;
using detail::fail;
using detail::quoted;

namespace {

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

// "(2, 3)" → {2, 3}: each extent all digits and at most 18 of them (below 10¹⁸, so it fits in
// 64 bits before any conversion); the element count (and so every stride, zero extents aside)
// must fit in memory.
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
      fail(quoted(file) + " is corrupt: bad extent '" + item.substr(0, 40) + "' in its shape");
    }
    shape.push_back(static_cast<std::size_t>(std::stoull(item)));
    pos = comma + 1;
  }
  if (shape.size() > 32) {
    fail(quoted(file) + " is corrupt: its shape has " + std::to_string(shape.size()) +
         " dimensions (at most 32)");
  }
  ad::Shape nonzero = shape;
  std::replace(nonzero.begin(), nonzero.end(), std::size_t{0}, std::size_t{1});
  try {
    (void)ad::element_count(nonzero, "load_npy");
  } catch (const ad::ShapeError&) {
    fail(quoted(file) + " is corrupt: shape " + ad::to_string(shape) +
         " has too many elements to be allocated");
  }
  return shape;
}

}  // namespace

namespace detail {
std::string npy_bytes(const ad::Tensor& tensor) { return xt::dump_npy(tensor); }
}  // namespace detail

ad::Tensor load_npy(const fs::path& file) {
  const std::string bytes = detail::read_all(file);
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
  std::size_t header_length = 0;  // at most 2³² − 1: no overflow below
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
    fail(quoted(file) + " holds dtype " + descr.substr(0, 40) + ", expected float64 ('<f8')");
  }
  const std::string order = header_value(header, "fortran_order", file);
  if (order != "True" && order != "False") {
    fail(quoted(file) + " is corrupt: fortran_order is '" + order.substr(0, 40) + "'");
  }
  const ad::Shape shape = parse_shape(header_value(header, "shape", file), file);

  const std::size_t count = ad::element_count(shape, "load_npy");  // ≤ PTRDIFF_MAX / 8
  const std::size_t actual = bytes.size() - offset;
  const std::size_t expected = count * sizeof(double);
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
  detail::write_atomically(file, detail::npy_bytes(tensor));
}

}  // namespace chainrule::nn
