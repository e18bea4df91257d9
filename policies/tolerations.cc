#include "policies/tolerations.h"

#include "policies/cluster_taint.h"
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

std::string selector_text(const json& s) {
  if (!s.is_object()) return "not an object";
  std::string ns = field(s, "namespace");
  std::string name = field(s, "name");
  std::string text = field(s, "apiVersion") + " " + field(s, "kind");
  if (!ns.empty() || !name.empty()) text += " " + (ns.empty() ? "" : ns + "/") + (name.empty() ? "*" : name);
  return text;
}

}  // namespace

bool tolerates_taint(const json& t, const std::string& key, const std::string& value, const std::string& effect) {
  if (!t.is_object()) return false;
  if (const std::string e = field(t, "effect"); !e.empty() && e != effect) return false;
  if (const std::string k = field(t, "key"); !k.empty() && k != key) return false;
  const std::string op = field(t, "operator");
  if (op.empty() || op == "Equal") return field(t, "value") == value;
  return op == "Exists";
}

bool tolerates(const json& t, const Taint& taint) { return tolerates_taint(t, taint.key, taint.value, taint.effect); }

bool claims_pure_control(const json& t, const Taint& taint) {
  return t.is_object() && (field(t, "key") == taint.key || tolerates(t, taint));
}

bool is_wildcard(const json& t) { return t.is_object() && field(t, "key").empty(); }

std::string toleration_text(const json& t) {
  if (!t.is_object()) return "?";
  const std::string op = field(t, "operator").empty() ? "Equal" : field(t, "operator");
  std::string text =
      "{key: " + (field(t, "key").empty() ? std::string("<any>") : field(t, "key")) + ", operator: " + op;
  if (op != "Exists") text += ", value: \"" + field(t, "value") + "\"";
  text += ", effect: " + (field(t, "effect").empty() ? std::string("<any>") : field(t, "effect")) + "}";
  return text;
}

WhitelistCheck check_whitelist(const json& object, const std::string& kind, const std::string& namespace_,
                               const Whitelist& whitelist) {
  if (kind == "PropagationPolicy") {
    if (!namespace_.empty() && any_glob(whitelist.namespaces, namespace_)) return {true, ""};
    return {false, "namespace " + namespace_ + " matches no whitelist.namespaces entry"};
  }
  const json* selectors = find_path(object, {"spec", "resourceSelectors"});
  if (!selectors || !selectors->is_array() || selectors->empty()) return {false, "it has no resource selectors"};
  for (std::size_t i = 0; i < selectors->size(); ++i) {
    const json& s = (*selectors)[i];
    bool matched = false;
    for (const ResourceEntry& e : whitelist.resources) {
      if (s.is_object() && glob_match(e.api_version, field(s, "apiVersion")) && glob_match(e.kind, field(s, "kind")) &&
          glob_match(e.namespace_, field(s, "namespace")) && glob_match(e.name, field(s, "name"))) {
        matched = true;
        break;
      }
    }
    if (!matched) {
      return {false, "spec.resourceSelectors[" + std::to_string(i) + "] (" + selector_text(s) +
                         ") matches no whitelist.resources entry"};
    }
  }
  return {true, ""};
}

bool is_whitelisted(const json& object, const std::string& kind, const std::string& namespace_,
                    const Whitelist& whitelist) {
  return check_whitelist(object, kind, namespace_, whitelist).whitelisted;
}

void apply_toleration_rule(json& object, const RuleContext& ctx, RuleOutcome& out) {
  const Taint& taint = ctx.policy.pure_control.taint;
  const Whitelist& wl = ctx.policy.whitelist;
  json* tolerations = find_path(object, {"spec", "placement", "clusterTolerations"});
  const bool has_list = tolerations && tolerations->is_array();
  const std::string who = describe(object, ctx.kind, ctx.namespace_);
  const WhitelistCheck check = check_whitelist(object, ctx.kind, ctx.namespace_, wl);

  if (check.whitelisted) {
    if (has_list) {
      for (const json& t : *tolerations) {
        if (tolerates(t, taint)) return;
      }
    }
    if (annotation(object, kOmitTolerationAnnotation) == kOmitTolerationValue) {
      out.note(kTolerationRule, std::string("no toleration added (whitelisted, ") + kOmitTolerationAnnotation + ": " +
                                    kOmitTolerationValue + ")");
      return;
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
    if (!claims_pure_control((*tolerations)[i], taint)) continue;
    offending.push_back(i);
    wildcard = wildcard || is_wildcard((*tolerations)[i]);
  }
  if (offending.empty()) return;

  const std::string scope =
      ctx.kind == "PropagationPolicy"
          ? "only PropagationPolicies in namespaces " + join(wl.namespaces, ", ") + " may"
          : "only ClusterPropagationPolicies whose every resource selector matches whitelist.resources may";
  std::vector<std::string> where;
  for (std::size_t i : offending) {
    where.push_back("spec.placement.clusterTolerations[" + std::to_string(i) + "] " +
                    toleration_text((*tolerations)[i]));
  }
  const std::string problem = who + " is not whitelisted to tolerate the pure-control taint " + taint_text(taint) +
                              " (" + join(where, ", ") + "; the key " + taint.key +
                              " is reserved whatever the operator, value or effect); " + scope + "; " + check.why_not;

  enforce_on_tolerations(wl.enforcement, kTolerationRule, "whitelist.enforcement", problem,
                         who + ": removed its toleration of the pure-control taint " + taint_text(taint) +
                             " (not whitelisted; whitelist.enforcement is Strip)",
                         {*tolerations, offending, wildcard}, out);
}

void enforce_on_tolerations(Enforcement enforcement, const std::string& rule, const std::string& setting,
                            const std::string& problem, const std::string& strip_warning,
                            const OffendingTolerations& found, RuleOutcome& out) {
  switch (enforcement) {
    case Enforcement::Reject:
      out.deny(problem);
      out.note(rule, "denied (Reject)");
      return;
    case Enforcement::Warn:
      out.advisories.push_back(problem + "; admitted because " + setting + " is Warn");
      out.note(rule, "warned (Warn)");
      return;
    case Enforcement::Strip:
      if (found.wildcard) {
        out.deny(problem +
                 "; a toleration without a key tolerates every taint and cannot be stripped: "
                 "list the keys it should tolerate instead");
        out.note(rule, "denied key-less wildcard (Strip)");
        return;
      }
      for (auto it = found.offending.rbegin(); it != found.offending.rend(); ++it) {
        found.tolerations.erase(found.tolerations.begin() + static_cast<std::ptrdiff_t>(*it));
      }
      out.required.push_back(problem);
      out.change_warnings.push_back(strip_warning);
      out.note(rule, "stripped " + std::to_string(found.offending.size()) + " toleration(s) (Strip)");
      return;
  }
}

}  // namespace cell0::policies
