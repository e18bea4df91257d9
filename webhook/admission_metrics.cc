#include "webhook/admission_metrics.h"

namespace cell0::webhook {

AdmissionMetrics::AdmissionMetrics(common::MetricsRegistry& r)
    : majority_gate_decisions(r.counter("cell0_majority_gate_decisions_total",
                                        "ResourceBinding scheduling results the majority gate judged, by workload "
                                        "kind and result: allowed, rejected, warned, no_inventory, skipped.",
                                        {"kind", "result"})) {}

void AdmissionMetrics::record(const policies::Decision& decision) {
  if (decision.majority_gate)
    majority_gate_decisions.inc({decision.majority_gate->kind, decision.majority_gate->result});
}

}  // namespace cell0::webhook
