#pragma once
// Reading the heights data of assignment 2: a normalised histogram (bin centre, frequency),
// or raw measurements (one height per line) binned and normalised the same way.

#include <cstddef>
#include <istream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace chainrule::heights {

/// Bad input: the message names the file, the line and what is wrong with it.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Histogram {
  std::vector<double> centres;      ///< bin centres, increasing, equally spaced
  std::vector<double> frequencies;  ///< normalised: Σ frequency · bin width = 1
  double bin_width = 0.0;
  std::size_t measurements = 0;  ///< raw measurements binned; 0 when read as a histogram
};

/// Where the bins of raw measurements lie: [low, high], a whole number of bins wide. The course's
/// histogram is [50, 300] in bins 2.5 wide.
struct BinRange {
  double low = 0.0;
  double high = 0.0;
};

/// Limits that keep the reader's memory bounded whatever the file holds.
inline constexpr std::size_t max_line_length = 4096;  ///< characters in one line
inline constexpr std::size_t max_bins = 1'000'000;    ///< bins of a histogram or a binning

/// Parses `text` (named `source` in messages). Two comma-separated numbers per line is a
/// histogram (an optional header line of names is skipped); one number per line is raw
/// measurements, binned `bin_width` wide (which must then be positive; a histogram ignores it)
/// over `range`, or without it from the multiple of the width below the smallest value.
/// Blank lines and lines starting with '#' are skipped. Throws DataError "source:line: why";
/// the offending text is shown escaped and cut short, never raw.
Histogram parse_heights(const std::string& text, const std::string& source, double bin_width,
                        std::optional<BinRange> range = std::nullopt);

/// The same from a stream, read in bounded memory: raw measurements are counted into their
/// bins in a second pass over the stream (which must be seekable), never held.
Histogram parse_heights(std::istream& in, const std::string& source, double bin_width,
                        std::optional<BinRange> range = std::nullopt);

/// Reads and parses a file; throws DataError when it is missing, a directory or unreadable.
Histogram load_heights(const std::string& path, double bin_width,
                       std::optional<BinRange> range = std::nullopt);

/// Bins raw heights into bins `bin_width` wide — over `range` (a value equal to its high end
/// goes into the last bin, as numpy's histogram does), or without it starting at the multiple
/// of the width below the smallest value — and normalises as the course does:
/// frequency = count / (total · width).
Histogram bin_heights(const std::vector<double>& heights, double bin_width,
                      std::optional<BinRange> range = std::nullopt);

}  // namespace chainrule::heights
