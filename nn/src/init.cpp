// Generator (mt19937_64 + Marsaglia polar normals) and the weight initialisers.

#include "chainrule/nn/init.hpp"

#include <bit>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "chainrule/autodiff/errors.hpp"
#include "chainrule/nn/module.hpp"

namespace chainrule::nn {

namespace detail {

double portable_log(double x) {
  // x = f·2^e with f in [√½, √2); ln f = 2·atanh(t), t = (f − 1)/(f + 1), |t| < 0.1716, by its
  // series (12 terms: the first omitted one is below 1e-19 relative). frexp, −, +, ·, / are
  // exact or correctly rounded in IEEE arithmetic, so the result is the same everywhere.
  int e = 0;
  double f = std::frexp(x, &e);
  if (f < 0.70710678118654752440) {
    f *= 2.0;
    --e;
  }
  const double t = (f - 1.0) / (f + 1.0);
  const double t2 = t * t;
  double s = 0.0;  // Σ t²ᵏ/(2k + 1) for k ≥ 1, kept apart from the leading term 2t
  for (int k = 23; k >= 3; k -= 2) s = 1.0 / k + t2 * s;
  const double u = 2.0 * t;
  // ln 2 split so that e·ln2_hi is exact (fdlibm's constants).
  constexpr double ln2_hi = 6.93147180369123816490e-01;
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  const double de = static_cast<double>(e);
  return de * ln2_hi + (u + (de * ln2_lo + u * t2 * s));
}

}  // namespace detail

Generator::Generator(std::uint64_t seed) : engine_(seed) {}

double Generator::uniform() {
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;  // 53 random bits
}

double Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // Marsaglia's polar method: a uniform point in the unit disc gives two independent normals.
  double u = 0.0;
  double v = 0.0;
  double s = 0.0;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double m = std::sqrt(-2.0 * detail::portable_log(s) / s);
  spare_ = v * m;
  has_spare_ = true;
  return u * m;
}

std::string Generator::state() const {
  std::ostringstream out;
  out << engine_ << ' ' << (has_spare_ ? 1 : 0) << ' ' << std::bit_cast<std::uint64_t>(spare_);
  return out.str();
}

void Generator::set_state(const std::string& state) {
  std::istringstream in(state);
  std::mt19937_64 engine;
  int has_spare = 0;
  std::uint64_t spare_bits = 0;
  in >> engine >> has_spare >> spare_bits;
  if (!in || (has_spare != 0 && has_spare != 1) || !(in >> std::ws).eof()) {
    throw ad::Error("chainrule: Generator::set_state: not a generator state (" +
                    std::to_string(state.size()) + " characters)");
  }
  engine_ = engine;
  has_spare_ = has_spare == 1;
  spare_ = std::bit_cast<double>(spare_bits);
}

namespace init {
namespace {

Fill normal_fill(double stddev) {
  return [stddev](ad::Tensor& out, std::size_t, std::size_t, Generator& g) {
    for (double& x : out) x = stddev * g.normal();
  };
}

Fill uniform_fill(double bound) {
  return [bound](ad::Tensor& out, std::size_t, std::size_t, Generator& g) {
    for (double& x : out) x = g.uniform(-bound, bound);
  };
}

Fill constant_fill(double value) {
  return [value](ad::Tensor& out, std::size_t, std::size_t, Generator&) { out.fill(value); };
}

std::string format(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", x);
  return buffer;
}

// NaN, ±∞ (and, for a scale, a negative number) would fill every weight with garbage.
void require_finite(double x, const char* op, const char* what, bool non_negative) {
  if (!std::isfinite(x) || (non_negative && x < 0.0)) {
    throw ad::Error(std::string("chainrule: ") + op + ": " + what + " must be a finite number" +
                    (non_negative ? " >= 0" : "") + ", got " + format(x));
  }
}

double fans(std::size_t fan_in, std::size_t fan_out) {
  return static_cast<double>(fan_in + fan_out);
}

}  // namespace

Initializer normal(double scale) {
  require_finite(scale, "init::normal", "the scale", true);
  return {"normal(" + std::to_string(scale) + ")", normal_fill(scale), normal_fill(scale)};
}

Initializer glorot_uniform() {
  return {"glorot_uniform",
          [](ad::Tensor& out, std::size_t fan_in, std::size_t fan_out, Generator& g) {
            uniform_fill(std::sqrt(6.0 / fans(fan_in, fan_out)))(out, fan_in, fan_out, g);
          },
          constant_fill(0.0)};
}

Initializer glorot_normal() {
  return {"glorot_normal",
          [](ad::Tensor& out, std::size_t fan_in, std::size_t fan_out, Generator& g) {
            normal_fill(std::sqrt(2.0 / fans(fan_in, fan_out)))(out, fan_in, fan_out, g);
          },
          constant_fill(0.0)};
}

Initializer he_normal() {
  return {"he_normal",
          [](ad::Tensor& out, std::size_t fan_in, std::size_t fan_out, Generator& g) {
            normal_fill(std::sqrt(2.0 / static_cast<double>(fan_in)))(out, fan_in, fan_out, g);
          },
          constant_fill(0.0)};
}

Initializer he_uniform() {
  return {"he_uniform",
          [](ad::Tensor& out, std::size_t fan_in, std::size_t fan_out, Generator& g) {
            uniform_fill(std::sqrt(6.0 / static_cast<double>(fan_in)))(out, fan_in, fan_out, g);
          },
          constant_fill(0.0)};
}

Initializer constant(double value) {
  require_finite(value, "init::constant", "the value", false);
  return {"constant(" + std::to_string(value) + ")", constant_fill(value), constant_fill(value)};
}

Initializer from_string(const std::string& name, double scale) {
  if (name == "normal") return normal(scale);
  if (name == "glorot_uniform" || name == "xavier" || name == "glorot") return glorot_uniform();
  if (name == "glorot_normal") return glorot_normal();
  if (name == "he_normal" || name == "he") return he_normal();
  if (name == "he_uniform") return he_uniform();
  if (name == "zeros") return constant(0.0);
  throw NameError("chainrule: init::from_string: unknown initialiser '" + name +
                  "'; choose normal, glorot_uniform (xavier), glorot_normal, he_normal (he), "
                  "he_uniform or zeros");
}

}  // namespace init
}  // namespace chainrule::nn
