#include "targets.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <chainrule/nn/checkpoint.hpp>

#include "curve_data.hpp"
#include "heights_data.hpp"

namespace chainrule::fuzz {
namespace fs = std::filesystem;
namespace {

std::string text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A private directory for the file-based readers, removed at exit. It holds a valid
// data-1/w.npy (shape (2, 1)) so manifests can reach the .npy reader through real files.
class Scratch {
 public:
  Scratch() : dir_(fs::temp_directory_path() / ("chainrule-fuzz-" + std::to_string(getpid()))) {
    fs::create_directories(dir_ / "checkpoint" / "data-1");
    ad::Tensor w = ad::Tensor::from_shape({2, 1});
    w(0, 0) = 1.5;
    w(1, 0) = -2.0;
    nn::save_npy(dir_ / "checkpoint" / "data-1" / "w.npy", w);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  fs::path write(const fs::path& relative, const std::uint8_t* data, std::size_t size) const {
    const fs::path file = dir_ / relative;
    std::ofstream(file, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return file;
  }
  fs::path checkpoint() const { return dir_ / "checkpoint"; }

 private:
  fs::path dir_;
};

const Scratch& scratch() {
  static const Scratch s;
  return s;
}

}  // namespace

void heights(const std::uint8_t* data, std::size_t size) {
  // The first byte picks the --bins width and the bin range, so odd settings meet odd data.
  static constexpr double widths[] = {2.5, 1.0, 0.1, 1e-3, 1e-300, 7.0};
  static const std::optional<chainrule::heights::BinRange> ranges[] = {
      std::nullopt, chainrule::heights::BinRange{50, 300}, chainrule::heights::BinRange{300, 50},
      chainrule::heights::BinRange{0, 1e308}, chainrule::heights::BinRange{-1e308, 1e308}};
  if (size == 0) return;
  const double width = widths[data[0] % std::size(widths)];
  const auto& range = ranges[(data[0] / std::size(widths)) % std::size(ranges)];
  try {
    (void)chainrule::heights::parse_heights(text(data + 1, size - 1), "fuzz.csv", width, range);
  } catch (const chainrule::heights::DataError&) {
  }
}

void init_weights(const std::uint8_t* data, std::size_t size) {
  try {
    (void)chainrule::curve::parse_initial_weights(text(data, size), "fuzz.json");
  } catch (const chainrule::curve::DataError&) {
  }
}

void manifest(const std::uint8_t* data, std::size_t size) {
  scratch().write("checkpoint/manifest.json", data, size);
  try {
    (void)nn::read_checkpoint(scratch().checkpoint());
  } catch (const nn::CheckpointError&) {
  }
}

void npy(const std::uint8_t* data, std::size_t size) {
  const fs::path file = scratch().write("fuzz.npy", data, size);
  try {
    (void)nn::load_npy(file);
  } catch (const nn::CheckpointError&) {
  }
}

}  // namespace chainrule::fuzz
