#include "bench_support.hpp"

#include <dlfcn.h>

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#ifndef CHAINRULE_BENCH_DATA_DIR
#error "CHAINRULE_BENCH_DATA_DIR must name the benchmarks/data directory"
#endif

namespace chainrule::bench {
namespace {

std::string data_file(const std::string& name) {
  return std::string(CHAINRULE_BENCH_DATA_DIR) + "/" + name;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Matrix matrix_from_json(const nlohmann::json& rows, const std::string& key) {
  if (!rows.is_array() || rows.empty() || !rows[0].is_array()) {
    fail("curve_init.json: '" + key + "' is not a list of rows");
  }
  Matrix m(rows.size(), rows[0].size());
  for (std::size_t r = 0; r < m.rows; ++r) {
    if (rows[r].size() != m.cols) fail("curve_init.json: '" + key + "' is ragged");
    for (std::size_t c = 0; c < m.cols; ++c) m(r, c) = rows[r][c].get<double>();
  }
  return m;
}

Matrix random_matrix(std::size_t rows, std::size_t cols, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 0.5);
  Matrix m(rows, cols);
  for (double& v : m.data) v = normal(rng);
  return m;
}

// OpenBLAS's own entry points, looked up at run time (absent with another BLAS).
using SetThreads = void (*)(int);
using GetThreads = int (*)();

template <class F>
F openblas_symbol(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_DEFAULT, name));
}

}  // namespace

MlpData assignment_network() {
  const std::string path = data_file("curve_init.json");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(read_text(path));
  } catch (const nlohmann::json::exception& e) {
    fail(path + ": " + e.what());
  }
  MlpData net;
  for (const char* w : {"W1", "W2", "W3"}) net.weights.push_back(matrix_from_json(doc.at(w), w));
  for (const char* b : {"b1", "b2", "b3"}) net.biases.push_back(matrix_from_json(doc.at(b), b));
  net.sizes = {net.weights[0].cols, net.weights[0].rows, net.weights[1].rows, net.weights[2].rows};
  const nlohmann::json& training = doc.at("training_data");
  const auto& xs = training.at("x");
  net.batch = xs.size();
  net.x = Matrix(1, net.batch);
  for (std::size_t i = 0; i < net.batch; ++i) net.x(0, i) = xs[i].get<double>();
  net.y = matrix_from_json(training.at("y"), "y");
  if (net.sizes != std::vector<std::size_t>{1, 6, 7, 2} || net.batch != 100 || net.y.rows != 2 ||
      net.y.cols != 100) {
    fail(path + ": not the 1-6-7-2 network on 100 points");
  }
  // The file's x is numpy's arange(0, 1, 0.01); x_i = i/100 agrees to the last bit or two.
  for (std::size_t i = 0; i < net.batch; ++i) {
    check_close("curve x", net.x(0, i), static_cast<double>(i) / 100.0, 1e-15);
  }
  return net;
}

std::pair<double, double> assignment_reference_cost(std::size_t steps) {
  if (steps == 100) return {reference::assignment_cost_after_100, 1e-9};
  if (steps == 10000) return {reference::assignment_cost_after_10000, 1e-3};
  fail("no reference cost after " + std::to_string(steps) + " training steps");
}

MlpData random_network(std::vector<std::size_t> sizes, std::size_t batch, unsigned seed) {
  std::mt19937_64 rng(seed);
  MlpData net;
  net.sizes = std::move(sizes);
  net.batch = batch;
  for (std::size_t l = 0; l + 1 < net.sizes.size(); ++l) {
    net.weights.push_back(random_matrix(net.sizes[l + 1], net.sizes[l], rng));
    net.biases.push_back(random_matrix(net.sizes[l + 1], 1, rng));
  }
  net.x = random_matrix(net.sizes.front(), batch, rng);
  net.y = random_matrix(net.sizes.back(), batch, rng);
  return net;
}

MlpData scaling_network(std::size_t width, std::size_t batch) {
  return random_network({scaling_inputs, width, width, scaling_outputs}, batch);
}

HeightsData heights_data() {
  const std::string path = data_file("heights.csv");
  std::istringstream in(read_text(path));
  std::string line;
  std::getline(in, line);  // header
  HeightsData h;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto comma = line.find(',');
    if (comma == std::string::npos) fail(path + ": bad line '" + line + "'");
    h.x.push_back(std::stod(line.substr(0, comma)));
    h.y.push_back(std::stod(line.substr(comma + 1)));
  }
  if (h.x.size() != 100) fail(path + ": expected 100 bins");
  return h;
}

void fail(const std::string& what) {
  std::fprintf(stderr, "bench: CROSS-CHECK FAILED: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

void check_close(std::string_view what, std::span<const double> a, std::span<const double> b,
                 double tolerance) {
  if (a.size() != b.size()) fail(std::string(what) + ": sizes differ");
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (!(std::abs(a[k] - b[k]) <= tolerance * std::max(1.0, std::abs(b[k])))) {
      std::ostringstream msg;
      msg.precision(17);
      msg << what << ": element " << k << ": " << a[k] << " vs " << b[k] << " (tolerance "
          << tolerance << ")";
      fail(msg.str());
    }
  }
}

void check_close(std::string_view what, double a, double b, double tolerance) {
  check_close(what, std::span<const double>(&a, 1), std::span<const double>(&b, 1), tolerance);
}

void check_relative(std::string_view what, double a, double b, double tolerance) {
  if (!(std::abs(a - b) <= tolerance * std::abs(b))) {
    std::ostringstream msg;
    msg.precision(17);
    msg << what << ": " << a << " vs " << b << " (relative tolerance " << tolerance << ")";
    fail(msg.str());
  }
}

namespace {
long status_kib(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(in, line)) {
    if (line.starts_with(prefix)) return std::stol(line.substr(prefix.size()));
  }
  return -1;
}
}  // namespace

long rss_kib() { return status_kib("VmRSS"); }
long peak_rss_kib() { return status_kib("VmHWM"); }

bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

int blas_threads() {
  const auto get = openblas_symbol<GetThreads>("openblas_get_num_threads");
  return get != nullptr ? get() : 0;
}

void set_blas_threads(int threads) {
  if (const auto set = openblas_symbol<SetThreads>("openblas_set_num_threads")) set(threads);
}

int benchmark_main(int argc, char** argv, const std::function<void(int)>& set_threads) {
  int threads = 1;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg.starts_with("--threads=")) {
      threads = std::atoi(argv[i] + 10);
      if (threads < 1) {
        std::cerr << "bench: --threads=N needs N >= 1\n";
        return 2;
      }
    } else {
      args.push_back(argv[i]);
    }
  }
  set_blas_threads(threads);
  if (set_threads) set_threads(threads);
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;
  benchmark::AddCustomContext("threads", std::to_string(threads));
  benchmark::AddCustomContext("openblas_threads", std::to_string(blas_threads()));
  const std::size_t ran = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (ran == 0) {  // a filter that matches nothing must not pass as a successful smoke run
    std::cerr << "bench: no benchmark matched the filter\n";
    return 1;
  }
  return 0;
}

}  // namespace chainrule::bench
