#pragma once
/// \file Umbrella header: the whole public API of berth.
#include "berth/constraint/glob.hpp"
#include "berth/constraint/metadata.hpp"
#include "berth/error.hpp"
#include "berth/explain/diagnosis.hpp"
#include "berth/explain/format.hpp"
#include "berth/io/result_json.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/model/machine.hpp"
#include "berth/model/quantity.hpp"
#include "berth/model/resources.hpp"
#include "berth/model/spec.hpp"
#include "berth/model/unit.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/place.hpp"
#include "berth/place/placer.hpp"
#include "berth/place/plan.hpp"
#include "berth/place/strategy.hpp"

// Areas built on the core. Each is a static library of its own, all linked by berth::berth.
#include "berth/fleet/lint.hpp"
#include "berth/fleet/load.hpp"
#include "berth/io/kube.hpp"
