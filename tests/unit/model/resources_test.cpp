// Resource vectors (model/resources.hpp): integer arithmetic by dimension, and the text people
// read. Absent extended resources are zero everywhere.
#include "berth/model/resources.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

using namespace berth;

namespace {

constexpr std::int64_t kMi = std::int64_t{1} << 20;
constexpr std::int64_t kGi = std::int64_t{1} << 30;

Resources res(std::int64_t cpu, std::int64_t memory, std::int64_t gpu = 0) {
  Resources r;
  r.cpu = cpu;
  r.memory = memory;
  if (gpu != 0) r.extended["gpu"] = gpu;
  return r;
}

}  // namespace

TEST_CASE("get and set address cpu, memory, disk and extended resources by name",
          "[model][resources]") {
  Resources r;
  r.set("cpu", 1500);
  r.set("memory", 2 * kGi);
  r.set("disk", 10 * kGi);
  r.set("gpu", 2);
  CHECK(r.cpu == 1500);
  CHECK(r.memory == 2 * kGi);
  CHECK(r.disk == 10 * kGi);
  CHECK(r.extended == std::map<std::string, std::int64_t>{{"gpu", 2}});
  CHECK(r.get("cpu") == 1500);
  CHECK(r.get("disk") == 10 * kGi);
  CHECK(r.get("gpu") == 2);
  CHECK(r.get("iops") == 0);             // absent: zero
  CHECK(r.extended.count("iops") == 0);  // and reading it adds nothing
}

TEST_CASE("is_zero ignores extended resources of zero", "[model][resources]") {
  Resources r;
  CHECK(r.is_zero());
  r.extended["gpu"] = 0;
  CHECK(r.is_zero());
  r.extended["gpu"] = -1;
  CHECK_FALSE(r.is_zero());
  CHECK_FALSE(res(0, 1).is_zero());
  Resources d;
  d.disk = 1;
  CHECK_FALSE(d.is_zero());
}

TEST_CASE("addition and subtraction are per dimension and may go negative", "[model][resources]") {
  const Resources a = res(1000, 2 * kGi, 1);
  Resources b = res(250, 512 * kMi);
  b.extended["iops"] = 300;
  const Resources sum = a + b;
  CHECK(sum.cpu == 1250);
  CHECK(sum.memory == 2 * kGi + 512 * kMi);
  CHECK(sum.get("gpu") == 1);
  CHECK(sum.get("iops") == 300);
  const Resources diff = b - a;
  CHECK(diff.cpu == -750);
  CHECK(diff.memory == 512 * kMi - 2 * kGi);
  CHECK(diff.get("gpu") == -1);
  CHECK(diff.get("iops") == 300);
  CHECK((a + b) - b == a);
  Resources c = a;
  c += b;
  c -= b;
  CHECK(c == a);
}

TEST_CASE("equality treats an absent extended resource as zero", "[model][resources]") {
  Resources a = res(1, 2);
  Resources b = res(1, 2);
  b.extended["gpu"] = 0;
  CHECK(a == b);
  CHECK(b == a);
  b.extended["gpu"] = 1;
  CHECK(a != b);
  CHECK(b != a);
  CHECK(res(1, 2) != res(2, 2));
  CHECK(res(1, 2) != res(1, 3));
}

TEST_CASE("fits_in checks every dimension, extended ones against zero when absent",
          "[model][resources]") {
  const Resources room = res(2000, 4 * kGi, 1);
  CHECK(res(2000, 4 * kGi, 1).fits_in(room));  // exactly full fits
  CHECK(res(0, 0).fits_in(room));
  CHECK_FALSE(res(2001, 0).fits_in(room));
  CHECK_FALSE(res(0, 4 * kGi + 1).fits_in(room));
  CHECK_FALSE(res(0, 0, 2).fits_in(room));
  Resources iops = res(0, 0);
  iops.extended["iops"] = 1;
  CHECK_FALSE(iops.fits_in(room));  // the room has none
  iops.extended["iops"] = 0;
  CHECK(iops.fits_in(room));
  Resources disk;
  disk.disk = 1;
  CHECK_FALSE(disk.fits_in(room));
}

TEST_CASE("amounts print in the unit of their dimension", "[model][resources]") {
  CHECK(format_amount("cpu", 500) == "500m");
  CHECK(format_amount("cpu", 1500) == "1.5");
  CHECK(format_amount("memory", 1536 * kMi) == "1.5 GiB");
  CHECK(format_amount("disk", 10 * kGi) == "10 GiB");
  CHECK(format_amount("gpu", 3) == "3");
  CHECK(format_amount(kPodSlots, 110) == "110");
  // An amount to add is never printed below itself: 23.71875 MiB is "23.72 MiB".
  CHECK(format_amount("memory", 23 * kMi + 753664) == "23.71 MiB");
  CHECK(format_amount_at_least("memory", 23 * kMi + 753664) == "23.72 MiB");
  CHECK(format_amount_at_least("disk", 23 * kMi + 753664) == "23.72 MiB");
  CHECK(format_amount_at_least("cpu", 250) == "250m");
  CHECK(format_amount_at_least("gpu", 1) == "1");
}

TEST_CASE("a whole vector prints cpu and memory always, the rest when not zero",
          "[model][resources]") {
  CHECK(format_resources(Resources{}) == "cpu 0, memory 0 B");
  Resources r = res(500, 512 * kMi, 2);
  CHECK(format_resources(r) == "cpu 500m, memory 512 MiB, gpu 2");
  r.disk = 10 * kGi;
  r.extended["iops"] = 0;
  CHECK(format_resources(r) == "cpu 500m, memory 512 MiB, disk 10 GiB, gpu 2");
}
