#include "berth/pack/vbp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <sstream>

#include "berth/error.hpp"

namespace berth::pack {
namespace {

// Sizes are capped so that sums over thousands of items cannot overflow int64.
constexpr Size kMaxValue = Size{1} << 40;
constexpr Size kMaxDims = 1000;
constexpr Size kMaxItems = 10'000'000;
// Items times dimensions, so that a few bytes ("1000 ... 10000000") cannot demand 80 GB.
constexpr Size kMaxValues = 10'000'000;

// Whitespace tokenizer that remembers where each token starts, for file:line:col errors.
class Tokens {
 public:
  Tokens(std::istream& in, std::string file) : in_(in), file_(std::move(file)) {}

  // Reads the next integer; `what` says what was expected there.
  Size next(const std::string& what, int code_if_missing = 151) {
    skip_space();
    SourceLocation at{file_, line_, col_};
    std::string tok;
    while (in_.peek() != std::char_traits<char>::eof() && !std::isspace(in_.peek())) {
      tok.push_back(static_cast<char>(in_.get()));
      ++col_;
    }
    if (tok.empty())
      throw ParseError(code_if_missing, at, fmt::format("expected {}, found end of input", what));
    std::size_t pos = 0;
    bool negative = false;
    if (tok[0] == '-' || tok[0] == '+') {
      negative = tok[0] == '-';
      pos = 1;
    }
    if (pos == tok.size())
      throw ParseError(152, at, fmt::format("expected {}, found '{}'", what, tok));
    Size value = 0;
    for (; pos < tok.size(); ++pos) {
      if (!std::isdigit(static_cast<unsigned char>(tok[pos]))) {
        throw ParseError(152, at, fmt::format("expected {} (an integer), found '{}'", what, tok));
      }
      value = value * 10 + (tok[pos] - '0');
      if (value > kMaxValue) {
        throw ParseError(153, at,
                         fmt::format("expected {} at most {}, found '{}'", what, kMaxValue, tok));
      }
    }
    last_ = at;
    return negative ? -value : value;
  }

  // True when only whitespace is left.
  bool at_end() {
    skip_space();
    return in_.peek() == std::char_traits<char>::eof();
  }
  SourceLocation here() {
    skip_space();
    return {file_, line_, col_};
  }
  const SourceLocation& last() const { return last_; }

 private:
  void skip_space() {
    while (in_.peek() != std::char_traits<char>::eof() && std::isspace(in_.peek())) {
      if (in_.get() == '\n') {
        ++line_;
        col_ = 1;
      } else {
        ++col_;
      }
    }
  }
  std::istream& in_;
  std::string file_;
  std::size_t line_ = 1;
  std::size_t col_ = 1;
  SourceLocation last_;
};

}  // namespace

Instance read_vbp(std::istream& in, const std::string& file) {
  Tokens t(in, file);
  Instance inst;
  inst.name = file;
  const Size d = t.next("the number of dimensions");
  if (d < 1 || d > kMaxDims) {
    throw ParseError(
        154, t.last(),
        fmt::format("expected a number of dimensions in 1..{}, found {}", kMaxDims, d));
  }
  inst.dims = static_cast<std::size_t>(d);
  for (Size k = 0; k < d; ++k) {
    const Size c = t.next(fmt::format("capacity of dimension {}", k + 1));
    if (c <= 0)
      throw ParseError(155, t.last(), fmt::format("expected a positive capacity, found {}", c));
    inst.capacity.push_back(c);
  }
  const Size m = t.next("the number of item lines");
  if (m < 0 || m > kMaxItems) {
    throw ParseError(
        156, t.last(),
        fmt::format("expected a number of item lines in 0..{}, found {}", kMaxItems, m));
  }
  std::vector<Size> item(inst.dims);
  for (Size line = 0; line < m; ++line) {
    for (std::size_t k = 0; k < inst.dims; ++k) {
      item[k] = t.next(fmt::format("size {} of item line {}", k + 1, line + 1));
      // Negative sizes are accepted: the Caprara triplet files contain a few (the third item
      // of a triplet is 100 - a - b); a bin's load is just the sum.
      if (item[k] > inst.capacity[k]) {
        throw ParseError(
            157, t.last(),
            fmt::format("expected a size of at most {} (the capacity of dimension {}), found {}",
                        inst.capacity[k], k + 1, item[k]));
      }
    }
    const Size demand = t.next(fmt::format("the demand of item line {}", line + 1));
    const Size max_items = std::min(kMaxItems, kMaxValues / d);
    if (demand < 0 || static_cast<Size>(inst.item_count()) + demand > max_items) {
      throw ParseError(
          158, t.last(),
          fmt::format(
              "expected a demand in 0..{} (at most {} items of {} dimensions in all), found {}",
              max_items - static_cast<Size>(inst.item_count()), max_items, d, demand));
    }
    for (Size c = 0; c < demand; ++c) inst.add_item(item);
  }
  if (!t.at_end()) {
    throw ParseError(159, t.here(), fmt::format("expected end of input after {} item lines", m));
  }
  return inst;
}

Instance parse_vbp(const std::string& text, const std::string& file) {
  std::istringstream in(text);
  return read_vbp(in, file);
}

Instance load_vbp(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in)
    throw ParseError(150, SourceLocation{path.string(), 0, 0}, "expected a readable .vbp file");
  return read_vbp(in, path.string());
}

std::string to_vbp(const Instance& instance) {
  std::string out = fmt::format("{}\n{}\n{}\n", instance.dims, fmt::join(instance.capacity, " "),
                                instance.item_count());
  for (std::size_t i = 0; i < instance.item_count(); ++i) {
    out += fmt::format("{} 1\n", fmt::join(instance.item(i), " "));
  }
  return out;
}

}  // namespace berth::pack
