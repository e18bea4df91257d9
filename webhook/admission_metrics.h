// Metric families of the admission rules themselves (the policies stay pure and report what they
// decided in the Decision; this layer counts it).
#pragma once

#include "common/metrics.h"
#include "policies/admission_chain.h"

namespace cell0::webhook {

struct AdmissionMetrics {
  explicit AdmissionMetrics(common::MetricsRegistry& registry);

  // kind: the workload kind of majority.kinds; result: allowed | rejected | warned |
  // no_inventory | skipped (an emptied spec.clusters or no cluster added).
  common::Counter& majority_gate_decisions;

  // Counts what the decision says the rules did (nothing when no counted rule judged it).
  void record(const policies::Decision& decision);
};

}  // namespace cell0::webhook
