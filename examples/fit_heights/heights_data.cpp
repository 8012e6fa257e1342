#include "heights_data.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <cli.hpp>

namespace chainrule::heights {
namespace {

using examples::printable;

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return std::string(s.substr(first, s.find_last_not_of(" \t\r") - first + 1));
}

// A number as a message shows it: enough digits to tell neighbours apart, no trailing zeros.
std::string show(double v) {
  std::ostringstream out;
  out.precision(10);
  out << v;
  return out.str();
}

[[noreturn]] void fail(const std::string& source, std::size_t line, const std::string& why) {
  throw DataError(source + ":" + std::to_string(line) + ": " + why);
}

// A finite number filling the whole field, or a DataError naming the field (shown escaped
// and cut short: the field may be anything, binary included).
double number(const std::string& field, const std::string& source, std::size_t line,
              const char* what) {
  const std::string f = trim(field);
  if (f.empty()) fail(source, line, std::string("the ") + what + " is empty");
  const std::string shown = "'" + printable(f, 40) + "'";
  // from_chars takes no leading '+', which a hand-written file may well have.
  const std::size_t skip = (f.size() > 1 && f[0] == '+' && f[1] != '-') ? 1 : 0;
  double value = 0.0;
  const auto [end, error] = std::from_chars(f.data() + skip, f.data() + f.size(), value);
  if (error == std::errc::result_out_of_range) {
    fail(source, line, std::string("the ") + what + " " + shown + " is out of range");
  }
  if (error != std::errc() || end != f.data() + f.size()) {
    fail(source, line, std::string("the ") + what + " " + shown + " is not a number");
  }
  if (!std::isfinite(value)) {
    fail(source, line, std::string("the ") + what + " " + shown + " is not finite");
  }
  return value;
}

// A header line names its columns: its first field is a word, not a number ("nan" and "inf"
// are numbers, so a file starting with them is reported, not skipped).
bool is_header(const std::string& line) {
  const std::string first = trim(std::string_view(line).substr(0, line.find(',')));
  double value = 0.0;
  const auto result = std::from_chars(first.data(), first.data() + first.size(), value);
  return !first.empty() && std::isalpha(static_cast<unsigned char>(first.front())) &&
         result.ec != std::errc();
}

// The next line of `in` without its '\n', at most max_line_length characters: memory stays
// bounded whatever the file holds. False at the end of the input.
bool next_line(std::streambuf& in, std::string& line, const std::string& source,
               std::size_t number) {
  line.clear();
  bool any = false;
  for (int c = in.sbumpc(); c != std::char_traits<char>::eof(); c = in.sbumpc()) {
    any = true;
    if (c == '\n') return true;
    if (c == '\0') fail(source, number, "a NUL byte: binary data, not a text file");
    if (line.size() == max_line_length) {
      fail(source, number,
           "the line is longer than " + std::to_string(max_line_length) + " characters");
    }
    line.push_back(static_cast<char>(c));
  }
  return any;
}

// One data line: one or two numbers.
struct DataLine {
  std::size_t number = 0;  // line number, from 1
  std::size_t columns = 0;
  double first = 0.0, second = 0.0;
};

// Calls on_line(DataLine) for every data line of `in` (blank lines, '#' comments and a header
// before the first data line are skipped; every data line has the first one's column count).
// Returns that count, 0 when there is no data.
template <class OnLine>
std::size_t for_each_data_line(std::istream& in, const std::string& source, OnLine&& on_line) {
  std::streambuf* buffer = in.rdbuf();
  if (buffer == nullptr) throw DataError(source + ": cannot read");
  std::string raw;
  std::size_t columns = 0;
  for (std::size_t n = 1; next_line(*buffer, raw, source, n); ++n) {
    const std::string line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (columns == 0 && is_header(line)) continue;
    const std::size_t comma = line.find(',');
    const std::size_t fields =
        comma == std::string::npos ? 1 : 2 + std::count(line.begin() + comma + 1, line.end(), ',');
    if (fields != 1 && fields != 2) {
      fail(source, n,
           "expected 'height' or 'bin_centre,frequency', found " + std::to_string(fields) +
               " fields");
    }
    if (columns == 0) columns = fields;
    if (fields != columns) {
      fail(source, n,
           "has " + std::to_string(fields) + " field" + (fields == 1 ? "" : "s") +
               ", earlier lines have " + std::to_string(columns));
    }
    DataLine d{n, fields};
    if (fields == 1) {
      d.first = number(line, source, n, "height");
    } else {
      d.first = number(line.substr(0, comma), source, n, "bin centre");
      d.second = number(line.substr(comma + 1), source, n, "frequency");
    }
    on_line(d);
  }
  if (in.bad()) throw DataError(source + ": cannot read the file");
  return columns;
}

void check_histogram(const Histogram& h, const std::string& source) {
  if (h.centres.size() < 2) throw DataError(source + ": a histogram needs at least two bins");
  const double width = h.centres[1] - h.centres[0];
  for (std::size_t i = 1; i < h.centres.size(); ++i) {
    const double step = h.centres[i] - h.centres[i - 1];
    if (!(step > 0) || std::abs(step - width) > 1e-9 * std::max(1.0, std::abs(width))) {
      throw DataError(source + ": bin centres must increase in equal steps (bin " +
                      std::to_string(i + 1) + " steps by " + show(step) + ", bin 2 by " +
                      show(width) + ")");
    }
  }
  // Negative frequencies were refused line by line.
  if (std::none_of(h.frequencies.begin(), h.frequencies.end(), [](double f) { return f > 0; })) {
    throw DataError(source + ": every frequency is zero");
  }
}

// The number of bins in a range, or a DataError if it is not a whole number of them.
double bins_in(const BinRange& range, double bin_width) {
  if (!std::isfinite(range.low) || !std::isfinite(range.high) || !(range.low < range.high)) {
    throw DataError("the bin range [" + show(range.low) + ", " + show(range.high) +
                    "] must be finite and increasing");
  }
  const double span = std::round((range.high - range.low) / bin_width);
  if (!(span >= 1) ||
      std::abs(span * bin_width - (range.high - range.low)) > 1e-9 * bin_width * span) {
    throw DataError("the bin range [" + show(range.low) + ", " + show(range.high) +
                    "] is not a whole number of bins " + show(bin_width) + " wide");
  }
  return span;
}

void check_bin_width(double bin_width) {
  if (!(bin_width > 0) || !std::isfinite(bin_width)) {
    throw DataError("the bin width must be positive and finite, got " + show(bin_width));
  }
}

// Where the bins lie for measurements from `low` to `high`: over `range`, or from the multiple
// of the width below `low`.
struct Binning {
  double start = 0.0;
  double width = 0.0;
  std::size_t bins = 0;
  // The bin of v (rounding can put a value on an edge a hair outside: clamp, never wrap).
  std::size_t index(double v) const {
    return static_cast<std::size_t>(
        std::clamp(std::floor((v - start) / width), 0.0, static_cast<double>(bins - 1)));
  }
};

Binning binning(double low, double high, double bin_width, std::optional<BinRange> range) {
  double start = 0.0, span = 0.0;
  if (range) {
    span = bins_in(*range, bin_width);
    start = range->low;
    if (low < range->low || high > range->high) {
      const double outside = low < range->low ? low : high;
      throw DataError("the measurement " + show(outside) + " is outside the bin range [" +
                      show(range->low) + ", " + show(range->high) + "]");
    }
  } else {
    start = std::floor(low / bin_width) * bin_width;
    if (start > low) start -= bin_width;  // the division rounded up to a whole number
    span = std::floor((high - start) / bin_width) + 1;
  }
  // Checked as a double: a cast of a count beyond size_t, or of a negative one, is undefined
  // (a width tiny next to the values can leave start above the lowest value even so).
  if (!(span >= 1 && span <= static_cast<double>(max_bins))) {
    throw DataError("the bin width " + show(bin_width) + " makes more than a million bins for " +
                    "measurements from " + show(low) + " to " + show(high));
  }
  return {start, bin_width, static_cast<std::size_t>(span)};
}

// Counts normalised as the course does: frequency = count / (total · width).
Histogram normalised(const Binning& b, const std::vector<double>& counts, std::size_t total) {
  Histogram h;
  h.bin_width = b.width;
  h.measurements = total;
  for (std::size_t i = 0; i < b.bins; ++i) {
    h.centres.push_back(b.start + (static_cast<double>(i) + 0.5) * b.width);
  }
  const double scale = static_cast<double>(total) * b.width;
  for (double c : counts) h.frequencies.push_back(c / scale);
  return h;
}

}  // namespace

Histogram bin_heights(const std::vector<double>& heights, double bin_width,
                      std::optional<BinRange> range) {
  check_bin_width(bin_width);
  if (heights.empty()) throw DataError("no measurements to bin");
  for (double h : heights) {
    if (!std::isfinite(h)) throw DataError("a measurement is not finite: " + show(h));
  }
  const auto [low, high] = std::minmax_element(heights.begin(), heights.end());
  const Binning b = binning(*low, *high, bin_width, range);
  std::vector<double> counts(b.bins, 0.0);
  for (double v : heights) counts[b.index(v)] += 1.0;
  return normalised(b, counts, heights.size());
}

Histogram parse_heights(std::istream& in, const std::string& source, double bin_width,
                        std::optional<BinRange> range) {
  // First pass: check every line; keep a histogram's bins, or raw measurements' count and
  // extent (not the measurements: memory stays bounded for a file of any length).
  Histogram histogram;
  std::size_t measurements = 0;
  double low = std::numeric_limits<double>::infinity(), high = -low;
  const std::size_t columns = for_each_data_line(in, source, [&](const DataLine& d) {
    if (d.columns == 2) {
      if (d.second < 0) fail(source, d.number, "the frequency " + show(d.second) + " is negative");
      if (histogram.centres.size() == max_bins) {
        fail(source, d.number, "more than " + std::to_string(max_bins) + " bins");
      }
      histogram.centres.push_back(d.first);
      histogram.frequencies.push_back(d.second);
      return;
    }
    if (measurements == 0) {  // the first one: raw measurements need a binning
      if (!(bin_width > 0) || !std::isfinite(bin_width)) {
        fail(source, d.number,
             "one height per line is raw measurements; give a positive bin width with "
             "--bins WIDTH (got " +
                 show(bin_width) + ")");
      }
      if (range) {
        try {
          bins_in(*range, bin_width);
        } catch (const DataError& e) {
          throw DataError(source + ": " + e.what());
        }
      }
    }
    if (range && !(d.first >= range->low && d.first <= range->high)) {
      fail(source, d.number,
           "the height " + show(d.first) + " is outside the bin range [" + show(range->low) + ", " +
               show(range->high) + "]");
    }
    ++measurements;
    low = std::min(low, d.first);
    high = std::max(high, d.first);
  });
  if (columns == 0) throw DataError(source + ": no data (no line with a number)");
  if (columns == 2) {
    check_histogram(histogram, source);
    histogram.bin_width = histogram.centres[1] - histogram.centres[0];
    return histogram;
  }
  // Second pass over raw measurements: count them into their bins.
  Binning b;
  try {
    b = binning(low, high, bin_width, range);
  } catch (const DataError& e) {
    throw DataError(source + ": " + e.what());
  }
  in.clear();
  in.seekg(0);
  if (!in) throw DataError(source + ": cannot read the measurements a second time");
  std::vector<double> counts(b.bins, 0.0);
  for_each_data_line(in, source, [&](const DataLine& d) { counts[b.index(d.first)] += 1.0; });
  return normalised(b, counts, measurements);
}

Histogram parse_heights(const std::string& text, const std::string& source, double bin_width,
                        std::optional<BinRange> range) {
  std::istringstream in(text);
  return parse_heights(in, source, bin_width, range);
}

Histogram load_heights(const std::string& path, double bin_width, std::optional<BinRange> range) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw DataError(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw DataError(path + ": is a directory");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw DataError(path + ": cannot open the file");
  return parse_heights(file, path, bin_width, range);
}

}  // namespace chainrule::heights
