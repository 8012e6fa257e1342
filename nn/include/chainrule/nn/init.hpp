#pragma once
/// @file
/// Reproducible random numbers and weight initialisers.
///
/// Every random choice in chainrule takes an explicit seed, and the same seed gives the same
/// numbers on every run, compiler and platform: the engine is std::mt19937_64 (fully
/// specified by the standard), uniforms take its top 53 bits, and normals come from
/// Marsaglia's polar method with a logarithm computed from IEEE basic operations only (no
/// std::normal_distribution, whose algorithm is implementation-defined, and no libm call
/// whose last bit may differ between C libraries).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string>

#include "chainrule/autodiff/tensor.hpp"
#include "chainrule/nn/export.hpp"

namespace chainrule::nn {

namespace ad = chainrule::ad;

/// A seeded source of uniform and standard-normal doubles with a saveable state.
class CHAINRULE_NN_EXPORT Generator {
 public:
  /// A generator whose sequence is fixed by `seed`.
  explicit Generator(std::uint64_t seed = 0);

  /// The next raw 64-bit output of the engine.
  std::uint64_t next() { return engine_(); }
  /// Uniform on [0, 1), a multiple of 2⁻⁵³.
  double uniform();
  /// Uniform on [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Standard normal (mean 0, variance 1). Draws come in pairs; the second is kept for the
  /// next call and is part of the state.
  double normal();

  /// The complete state as text (engine words and the kept normal), for checkpoints.
  std::string state() const;
  /// Restores a state from `state()`; ad::Error if the text is not one.
  void set_state(const std::string& state);

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

/// Fills `out` (already shaped) for a layer with the given fan-in and fan-out.
using Fill = std::function<void(ad::Tensor& out, std::size_t fan_in, std::size_t fan_out,
                                Generator& generator)>;

/// How a Linear layer's weight and bias are drawn.
struct Initializer {
  std::string name;  ///< "glorot_uniform", "normal", ...
  Fill weight;       ///< fills the weight (out × in)
  Fill bias;         ///< fills the bias (out × 1)
};

namespace init {
/// Weights and biases N(0, scale²): `normal(0.5)` is the assignment's `randn(...)/2`.
/// ad::Error for a negative, NaN or infinite scale.
CHAINRULE_NN_EXPORT Initializer normal(double scale = 1.0);
/// Weights U(−a, a), a = √(6 / (fan_in + fan_out)); biases 0 (Glorot & Bengio 2010).
CHAINRULE_NN_EXPORT Initializer glorot_uniform();
/// Weights N(0, 2 / (fan_in + fan_out)); biases 0.
CHAINRULE_NN_EXPORT Initializer glorot_normal();
/// Weights N(0, 2 / fan_in); biases 0 (He et al. 2015, for ReLU).
CHAINRULE_NN_EXPORT Initializer he_normal();
/// Weights U(−a, a), a = √(6 / fan_in); biases 0.
CHAINRULE_NN_EXPORT Initializer he_uniform();
/// Every weight and bias equal to `value` (ad::Error unless finite).
CHAINRULE_NN_EXPORT Initializer constant(double value);
/// Initialisers by name ("normal", "glorot_uniform", "xavier" (= glorot_uniform),
/// "glorot_normal", "he_normal", "he" (= he_normal), "he_uniform", "zeros"); `scale` is used
/// by "normal". NameError listing the choices for an unknown name.
CHAINRULE_NN_EXPORT Initializer from_string(const std::string& name, double scale = 1.0);
}  // namespace init

namespace detail {
/// ln(x) for x > 0 from IEEE basic operations only (identical on every platform), within a
/// few ulp of the correctly rounded value. (Exported for chainrule's tests.)
CHAINRULE_NN_EXPORT double portable_log(double x);
}  // namespace detail

}  // namespace chainrule::nn
