#pragma once
// The fuzzed parsers, one function per libFuzzer target (fuzz_main.cpp) and per corpus folder
// that replay_test.cpp feeds back in every build. Each returns normally for any input the
// parser accepts or rejects with its own documented exception; anything else (another
// exception, a crash, a sanitizer report, an allocation beyond the fuzzer's limit) is a bug.

#include <cstddef>
#include <cstdint>

namespace chainrule::fuzz {

/// examples/fit_heights: parse_heights on a CSV histogram or raw measurements.
void heights(const std::uint8_t* data, std::size_t size);
/// examples/backprop_curve: parse_initial_weights on the --init JSON.
void init_weights(const std::uint8_t* data, std::size_t size);
/// nn: read_checkpoint on a directory whose manifest.json is the input (data-1/w.npy exists).
void manifest(const std::uint8_t* data, std::size_t size);
/// nn: load_npy on a file holding the input.
void npy(const std::uint8_t* data, std::size_t size);

}  // namespace chainrule::fuzz
