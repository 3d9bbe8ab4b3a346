#include "berth/fleet/unit_file.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdint>
#include <fstream>
#include <sstream>

namespace berth::fleet {
namespace {

constexpr std::string_view kWhitespace = " \t\n\r\f\v";

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(kWhitespace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kWhitespace);
  return s.substr(b, e - b + 1);
}

std::size_t leading_ws(std::string_view s) {
  const auto b = s.find_first_not_of(kWhitespace);
  return b == std::string_view::npos ? s.size() : b;
}

class Parser {
 public:
  Parser(const std::string& file, std::vector<Problem>* problems) : problems_(problems) {
    out_.file = file;
  }

  UnitFile run(std::string_view text) {
    // A UTF-8 byte order mark is skipped, as systemd does.
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    std::string pending;
    std::size_t pending_line = 0;
    bool continuing = false;
    std::size_t lineno = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
      auto nl = text.find('\n', pos);
      const bool last = nl == std::string_view::npos;
      std::string_view line = text.substr(pos, last ? std::string_view::npos : nl - pos);
      pos = last ? text.size() + 1 : nl + 1;
      ++lineno;
      if (last && line.empty() && !continuing) break;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

      // Comment lines are dropped even inside a continuation (systemd >= 243), and a comment
      // ending in a backslash does not continue.
      const auto lead = line.substr(leading_ws(line));
      if (!lead.empty() && (lead.front() == '#' || lead.front() == ';')) continue;

      bool escaped = false;
      for (char c : line) escaped = escaped ? false : c == '\\';
      if (continuing) {
        pending += line;
      } else {
        pending.assign(line);
        pending_line = lineno;
      }
      if (escaped) {
        pending.back() = ' ';  // the backslash becomes a space, as in systemd
        continuing = true;
        continue;
      }
      continuing = false;
      process(pending, pending_line);
    }
    if (continuing) process(pending, pending_line);
    return std::move(out_);
  }

 private:
  void fail(int code, std::size_t line, std::size_t col, std::string message) {
    report(problems_, Problem{Severity::Error, code, "", out_.at(line, col), std::move(message)});
  }

  void process(std::string_view raw, std::size_t line) {
    const std::size_t col = leading_ws(raw) + 1;
    const auto text = trim(raw);
    if (text.empty()) return;
    if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
      fail(125, line, col + nul, "expected text, found a NUL byte (is this a binary file?)");
      return;
    }
    if (const auto bad = invalid_utf8_at(text); bad != std::string_view::npos) {
      fail(125, line, col + bad, "expected UTF-8 text (systemd ignores lines that are not)");
      return;
    }
    if (text.front() == '[') {
      const auto close = text.find(']');
      if (close == std::string_view::npos) {
        fail(122, line, col + text.size(), "expected ']' to close the section header");
        return;
      }
      if (close + 1 != text.size()) {
        fail(122, line, col + close + 1,
             fmt::format("expected end of line after section header, found \"{}\"",
                         text.substr(close + 1)));
        return;
      }
      const auto name = text.substr(1, close - 1);
      if (name.empty() || name.find('[') != std::string_view::npos) {
        fail(122, line, col + 1, "expected a section name between '[' and ']'");
        return;
      }
      current_ = nullptr;
      for (auto& s : out_.sections) {
        if (s.name == name) current_ = &s;
      }
      if (current_ == nullptr) {
        out_.sections.push_back(Section{std::string(name), line, {}});
        current_ = &out_.sections.back();
      }
      return;
    }
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) {
      fail(123, line, col, fmt::format("expected Key=Value, found \"{}\" (missing '=')", text));
      return;
    }
    const auto key = trim(text.substr(0, eq));
    if (key.empty()) {
      fail(124, line, col, "expected a key before '='");
      return;
    }
    if (current_ == nullptr) {
      fail(121, line, col,
           fmt::format("expected a [Section] header before the assignment of {}", key));
      return;
    }
    current_->entries.push_back(
        Entry{std::string(key), std::string(trim(text.substr(eq + 1))), line});
  }

  UnitFile out_;
  Section* current_ = nullptr;  // points into out_.sections; no push_back while it is used
  std::vector<Problem>* problems_;
};

}  // namespace

const Section* UnitFile::section(std::string_view name) const {
  for (const auto& s : sections) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<const Entry*> UnitFile::entries(std::string_view sec, std::string_view key) const {
  std::vector<const Entry*> out;
  if (const auto* s = section(sec)) {
    for (const auto& e : s->entries) {
      if (e.key != key) continue;
      if (e.value.empty()) {
        out.clear();  // `Key=` resets the list
      } else {
        out.push_back(&e);
      }
    }
  }
  return out;
}

std::vector<std::string> UnitFile::list(std::string_view sec, std::string_view key) const {
  std::vector<std::string> out;
  for (const auto* e : entries(sec, key)) out.push_back(e->value);
  return out;
}

const Entry* UnitFile::last(std::string_view sec, std::string_view key) const {
  const Entry* found = nullptr;
  if (const auto* s = section(sec)) {
    for (const auto& e : s->entries) {
      if (e.key == key) found = &e;
    }
  }
  return found;
}

UnitFile parse_unit_file(std::string_view text, const std::string& filename,
                         std::vector<Problem>* problems) {
  Parser parser(filename, problems);
  return parser.run(text);
}

UnitFile read_unit_file(const std::string& path, std::vector<Problem>* problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    report(problems, Problem{Severity::Error, 120, "", SourceLocation{path, 0, 0},
                             "expected a readable unit file (cannot open it)"});
    UnitFile empty;
    empty.file = path;
    return empty;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_unit_file(ss.str(), path, problems);
}

std::optional<std::vector<std::string>> split_words(std::string_view value) {
  std::vector<std::string> words;
  std::size_t i = 0;
  const std::size_t n = value.size();
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  while (true) {
    while (i < n && kWhitespace.find(value[i]) != std::string_view::npos) ++i;
    if (i >= n) break;
    std::string word;
    char quote = 0;
    for (; i < n; ++i) {
      const char c = value[i];
      if (quote == 0 && kWhitespace.find(c) != std::string_view::npos) break;
      if (c == '\\' && i + 1 < n) {
        const char e = value[++i];
        switch (e) {
          case 'n':
            word += '\n';
            break;
          case 't':
            word += '\t';
            break;
          case 'r':
            word += '\r';
            break;
          case 'x':
            if (i + 2 < n && hex(value[i + 1]) >= 0 && hex(value[i + 2]) >= 0) {
              word += static_cast<char>(hex(value[i + 1]) * 16 + hex(value[i + 2]));
              i += 2;
            } else {
              word += 'x';
            }
            break;
          default:
            word += e;
            break;  // \\ \" \' \<space> and anything else: the char itself
        }
        continue;
      }
      if (quote != 0 && c == quote) {
        quote = 0;
        continue;
      }
      if (quote == 0 && (c == '"' || c == '\'')) {
        quote = c;
        continue;
      }
      word += c;
    }
    if (quote != 0) return std::nullopt;
    words.push_back(std::move(word));
  }
  return words;
}

std::vector<std::string> split_fleet_values(std::string_view line) {
  // A transcription of fleet's parseMultivalueLine (unit/unit.go), including its quirks: a
  // run of spaces yields empty values, which callers skip.
  std::vector<std::string> values;
  std::string v;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (c == ' ' && !quoted) {
      values.push_back(v);
      v.clear();
      continue;
    }
    v += c;
  }
  values.push_back(v);
  std::vector<std::string> out;
  for (auto& s : values) {
    if (!s.empty()) out.push_back(std::move(s));
  }
  return out;
}

std::size_t invalid_utf8_at(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > text.size()) return i;
    for (int k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const std::uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::optional<bool> parse_boolean(std::string_view value) {
  std::string v;
  for (char c : value) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "1" || v == "yes" || v == "y" || v == "true" || v == "t" || v == "on") return true;
  if (v == "0" || v == "no" || v == "n" || v == "false" || v == "f" || v == "off") return false;
  return std::nullopt;
}

}  // namespace berth::fleet
