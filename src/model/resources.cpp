#include "berth/model/resources.hpp"

#include <fmt/format.h>

#include "berth/model/quantity.hpp"

namespace berth {

std::int64_t Resources::get(const std::string& dimension) const {
  if (dimension == "cpu") return cpu;
  if (dimension == "memory") return memory;
  if (dimension == "disk") return disk;
  auto it = extended.find(dimension);
  return it == extended.end() ? 0 : it->second;
}

void Resources::set(const std::string& dimension, std::int64_t value) {
  if (dimension == "cpu")
    cpu = value;
  else if (dimension == "memory")
    memory = value;
  else if (dimension == "disk")
    disk = value;
  else
    extended[dimension] = value;
}

bool Resources::is_zero() const {
  if (cpu != 0 || memory != 0 || disk != 0) return false;
  for (const auto& [name, v] : extended) {
    if (v != 0) return false;
  }
  return true;
}

Resources& Resources::operator+=(const Resources& other) {
  cpu += other.cpu;
  memory += other.memory;
  disk += other.disk;
  for (const auto& [name, v] : other.extended) extended[name] += v;
  return *this;
}

Resources& Resources::operator-=(const Resources& other) {
  cpu -= other.cpu;
  memory -= other.memory;
  disk -= other.disk;
  for (const auto& [name, v] : other.extended) extended[name] -= v;
  return *this;
}

bool operator==(const Resources& a, const Resources& b) {
  if (a.cpu != b.cpu || a.memory != b.memory || a.disk != b.disk) return false;
  for (const auto& [name, v] : a.extended) {
    if (b.get(name) != v) return false;
  }
  for (const auto& [name, v] : b.extended) {
    if (a.get(name) != v) return false;
  }
  return true;
}

bool Resources::fits_in(const Resources& room) const {
  if (cpu > room.cpu || memory > room.memory || disk > room.disk) return false;
  for (const auto& [name, v] : extended) {
    if (v > room.get(name)) return false;
  }
  return true;
}

std::string format_amount(const std::string& dimension, std::int64_t value) {
  if (dimension == "cpu") return format_cpu(value);
  if (dimension == "memory" || dimension == "disk") return format_bytes(value);
  return fmt::format("{}", value);
}

std::string format_amount_at_least(const std::string& dimension, std::int64_t value) {
  if (dimension == "memory" || dimension == "disk") return format_bytes_at_least(value);
  return format_amount(dimension, value);
}

std::string format_resources(const Resources& r) {
  std::string out = fmt::format("cpu {}, memory {}", format_cpu(r.cpu), format_bytes(r.memory));
  if (r.disk != 0) out += fmt::format(", disk {}", format_bytes(r.disk));
  for (const auto& [name, v] : r.extended) {
    if (v != 0) out += fmt::format(", {} {}", name, v);
  }
  return out;
}

}  // namespace berth
