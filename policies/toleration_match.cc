#include "policies/toleration_match.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

std::string text(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool toleration_tolerates_taint(const json& toleration, const ClusterTaintInfo& taint) {
  if (!toleration.is_object()) return false;
  const std::string effect = text(toleration, "effect");
  if (!effect.empty() && effect != taint.effect) return false;
  const std::string key = text(toleration, "key");
  if (!key.empty() && key != taint.key) return false;
  const std::string op = text(toleration, "operator");
  if (op.empty() || op == "Equal") return text(toleration, "value") == taint.value;
  return op == "Exists";
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
