#include "policies/tolerations.h"

#include "policies/label_syntax.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

std::string field(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool any_glob(const std::vector<std::string>& globs, const std::string& text) {
  for (const auto& g : globs) {
    if (glob_match(g, text)) return true;
  }
  return false;
}

std::string taint_text(const Taint& t) { return t.key + ":" + t.effect; }

}  // namespace

bool tolerates(const json& t, const Taint& taint) {
  if (!t.is_object()) return false;
  const std::string effect = field(t, "effect");
  if (!effect.empty() && effect != taint.effect) return false;
  const std::string key = field(t, "key");
  const std::string op = field(t, "operator");
  if (key.empty()) return op == "Exists";
  if (key != taint.key) return false;
  if (op == "Exists") return true;
  // Equal (the default operator) against a taint without a value.
  return (op.empty() || op == "Equal") && field(t, "value").empty();
}

bool is_wildcard(const json& t) { return t.is_object() && field(t, "key").empty() && field(t, "operator") == "Exists"; }

bool is_whitelisted(const json& object, const std::string& kind, const std::string& namespace_,
                    const Whitelist& whitelist) {
  if (kind == "PropagationPolicy") return !namespace_.empty() && any_glob(whitelist.namespaces, namespace_);
  const json* selectors = find_path(object, {"spec", "resourceSelectors"});
  if (!selectors || !selectors->is_array() || selectors->empty()) return false;
  for (const json& s : *selectors) {
    if (!s.is_object()) return false;
    bool matched = false;
    for (const ResourceEntry& e : whitelist.resources) {
      if (glob_match(e.api_version, field(s, "apiVersion")) && glob_match(e.kind, field(s, "kind")) &&
          glob_match(e.namespace_, field(s, "namespace")) && glob_match(e.name, field(s, "name"))) {
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  return true;
}

void apply_toleration_rule(json& object, const RuleContext& ctx, RuleOutcome& out) {
  const Taint& taint = ctx.policy.pure_control.taint;
  const Whitelist& wl = ctx.policy.whitelist;
  json* tolerations = find_path(object, {"spec", "placement", "clusterTolerations"});
  const bool has_list = tolerations && tolerations->is_array();
  const std::string who = describe(object, ctx.kind, ctx.namespace_);

  if (is_whitelisted(object, ctx.kind, ctx.namespace_, wl)) {
    if (has_list) {
      for (const json& t : *tolerations) {
        if (tolerates(t, taint)) return;
      }
    }
    json& placement = ensure_object(object, {"spec", "placement"});
    json& list = placement["clusterTolerations"];
    if (!list.is_array()) list = json::array();
    list.push_back({{"key", taint.key}, {"operator", "Exists"}, {"effect", taint.effect}});
    out.note(kTolerationRule, "added toleration of " + taint_text(taint) + " (whitelisted)");
    return;
  }

  if (!has_list) return;
  std::vector<std::size_t> offending;
  bool wildcard = false;
  for (std::size_t i = 0; i < tolerations->size(); ++i) {
    if (!tolerates((*tolerations)[i], taint)) continue;
    offending.push_back(i);
    wildcard = wildcard || is_wildcard((*tolerations)[i]);
  }
  if (offending.empty()) return;

  const std::string scope =
      ctx.kind == "PropagationPolicy"
          ? "only PropagationPolicies in namespaces " + join(wl.namespaces, ", ") + " may"
          : "only ClusterPropagationPolicies whose every resource selector matches whitelist.resources may";
  std::vector<std::string> where;
  for (std::size_t i : offending) where.push_back("spec.placement.clusterTolerations[" + std::to_string(i) + "]");
  const std::string problem = who + " is not whitelisted to tolerate the pure-control taint " + taint_text(taint) +
                              " (" + join(where, ", ") + "); " + scope;

  switch (wl.enforcement) {
    case Enforcement::Reject:
      out.deny(problem);
      out.note(kTolerationRule, "denied (Reject)");
      return;
    case Enforcement::Warn:
      out.advisories.push_back(problem + "; admitted because whitelist.enforcement is Warn");
      out.note(kTolerationRule, "warned (Warn)");
      return;
    case Enforcement::Strip:
      if (wildcard) {
        out.deny(problem + "; a toleration without a key tolerates every taint and cannot be stripped: "
                           "list the keys it should tolerate instead");
        out.note(kTolerationRule, "denied key-less wildcard (Strip)");
        return;
      }
      for (auto it = offending.rbegin(); it != offending.rend(); ++it) {
        tolerations->erase(tolerations->begin() + static_cast<std::ptrdiff_t>(*it));
      }
      out.required.push_back(problem);
      out.change_warnings.push_back(who + ": removed its toleration of the pure-control taint " + taint_text(taint) +
                                    " (not whitelisted; whitelist.enforcement is Strip)");
      out.note(kTolerationRule, "stripped " + std::to_string(offending.size()) + " toleration(s) (Strip)");
      return;
  }
}

}  // namespace cell0::policies
