#include "policies/toleration_match.h"

#include "policies/tolerations.h"

namespace cell0::policies {

using nlohmann::json;

bool toleration_tolerates_taint(const json& toleration, const ClusterTaintInfo& taint) {
  return tolerates_taint(toleration, taint.key, taint.value, taint.effect);
}

const ClusterTaintInfo* first_untolerated_taint(const std::vector<ClusterTaintInfo>& taints, const json& tolerations) {
  for (const ClusterTaintInfo& taint : taints) {
    if (taint.effect != "NoSchedule" && taint.effect != "NoExecute") continue;
    bool tolerated = false;
    if (tolerations.is_array()) {
      for (const json& t : tolerations) {
        if (toleration_tolerates_taint(t, taint)) {
          tolerated = true;
          break;
        }
      }
    }
    if (!tolerated) return &taint;
  }
  return nullptr;
}

}  // namespace cell0::policies
