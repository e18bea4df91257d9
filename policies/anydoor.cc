#include "policies/anydoor.h"

#include <algorithm>

#include "policies/label_syntax.h"
#include "policies/tolerations.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

json requirement(const std::string& key) {
  return {{"key", key}, {"operator", "In"}, {"values", json::array({"true"})}};
}

bool same_requirement(const json& e, const json& wanted) {
  return e.is_object() && e.value("key", json()) == wanted["key"] && e.value("operator", json()) == wanted["operator"] &&
         e.value("values", json()) == wanted["values"];
}

std::string key_of(const json& e) {
  if (!e.is_object()) return "";
  auto it = e.find("key");
  return it != e.end() && it->is_string() ? it->get<std::string>() : "";
}

// Adds the requirements to one ClusterAffinity term, and drops VPC requirements of other VPCs.
void place_term(json& term, const std::string& where, const std::vector<json>& wanted, const Anydoor& cfg,
                const std::string& who, RuleOutcome& out) {
  json* selector = find_path(term, {"labelSelector"});
  json* exprs = selector ? find_path(*selector, {"matchExpressions"}) : nullptr;
  json* labels = selector ? find_path(*selector, {"matchLabels"}) : nullptr;
  if (exprs && !exprs->is_array()) exprs = nullptr;
  if (labels && !labels->is_object()) labels = nullptr;

  auto other_vpc = [&](const std::string& key) {
    return key.starts_with(cfg.vpc_cluster_label_prefix) &&
           std::none_of(wanted.begin(), wanted.end(), [&](const json& w) { return w["key"] == key; });
  };
  auto drop = [&](const std::string& key) {
    out.change_warnings.push_back(who + ": removed the placement on " + key + " (" + where +
                                  "): the anydoor VPC annotation names another VPC");
    out.required.push_back(who + ": " + where + " must not select clusters by " + key);
  };
  if (exprs) {
    for (auto it = exprs->begin(); it != exprs->end();) {
      if (const std::string key = key_of(*it); other_vpc(key)) {
        drop(key);
        it = exprs->erase(it);
      } else {
        ++it;
      }
    }
  }
  if (labels) {
    for (auto it = labels->begin(); it != labels->end();) {
      if (other_vpc(it.key())) {
        drop(it.key());
        it = labels->erase(it);
      } else {
        ++it;
      }
    }
  }

  for (const json& w : wanted) {
    const std::string key = w["key"];
    if (exprs && std::any_of(exprs->begin(), exprs->end(), [&](const json& e) { return same_requirement(e, w); })) {
      continue;
    }
    if (labels && labels->value(key, json()) == "true") continue;
    const bool conflicting =
        (exprs && std::any_of(exprs->begin(), exprs->end(), [&](const json& e) { return key_of(e) == key; })) ||
        (labels && labels->contains(key));
    if (conflicting) {
      out.deny(who + ": " + where + " selects clusters by " + key +
               " in a way that conflicts with the anydoor placement (" + key + " In [true])");
      return;
    }
    if (!exprs) {
      json& sel = ensure_object(term, {"labelSelector"});
      sel["matchExpressions"] = json::array();
      exprs = &sel["matchExpressions"];
      labels = find_path(sel, {"matchLabels"});
      if (labels && !labels->is_object()) labels = nullptr;
    }
    exprs->push_back(w);
    out.required.push_back(who + ": " + where + " must require " + key + " In [true]");
  }
}

}  // namespace

bool is_anydoor(const json& object, const Anydoor& config) {
  return annotation(object, config.scenario_annotation).has_value();
}

void apply_anydoor_rule(json& object, const RuleContext& ctx, RuleOutcome& out) {
  const Anydoor& cfg = ctx.policy.anydoor;
  const Taint& taint = ctx.policy.pure_control.taint;
  const std::string who = describe(object, ctx.kind, ctx.namespace_);
  const std::string scenario = annotation(object, cfg.scenario_annotation).value_or("");
  if (std::find(kAnydoorScenarios.begin(), kAnydoorScenarios.end(), scenario) == kAnydoorScenarios.end()) {
    out.deny(who + ": \"" + scenario + "\" is not an anydoor scenario (annotation " + cfg.scenario_annotation +
             "): use one of Egress, IngressManaged, IngressTenant, CellAgent");
    out.note(kAnydoorRule, "denied unknown scenario");
    return;
  }
  const bool cell_agent = scenario == "CellAgent";
  std::vector<json> wanted{requirement(cfg.business_cluster_label)};
  if (!cell_agent) {
    const std::string vpc = annotation(object, cfg.vpc_annotation).value_or("");
    if (vpc.empty()) {
      out.deny(who + ": anydoor scenario " + scenario + " needs the annotation " + cfg.vpc_annotation +
               " naming the VPC its gateways serve");
      out.note(kAnydoorRule, "denied missing VPC");
      return;
    }
    const std::string key = cfg.vpc_cluster_label_prefix + vpc;
    if (!is_qualified_name(key)) {
      out.deny(who + ": annotation " + cfg.vpc_annotation + " \"" + vpc + "\" does not make a valid cluster label key (" +
               key + ")");
      out.note(kAnydoorRule, "denied invalid VPC");
      return;
    }
    wanted.push_back(requirement(key));
  }

  // Anydoor gateways bridge to a business network, which a pure-control Cell0 does not have.
  if (json* tolerations = find_path(object, {"spec", "placement", "clusterTolerations"});
      tolerations && tolerations->is_array()) {
    for (auto it = tolerations->begin(); it != tolerations->end();) {
      if (!tolerates(*it, taint)) {
        ++it;
        continue;
      }
      if (is_wildcard(*it)) {
        out.deny(who + ": anydoor gateways may not tolerate the pure-control taint " + taint.key + ":" + taint.effect +
                 ", and a toleration without a key tolerates every taint: list the keys it should tolerate instead");
        out.note(kAnydoorRule, "denied key-less wildcard toleration");
        return;
      }
      it = tolerations->erase(it);
      out.change_warnings.push_back(who + ": removed its toleration of the pure-control taint " + taint.key + ":" +
                                    taint.effect + " (anydoor gateways never run on pure-control clusters)");
      out.required.push_back(who + ": anydoor gateways may not tolerate the pure-control taint " + taint.key + ":" +
                             taint.effect);
    }
  }

  json& placement = ensure_object(object, {"spec", "placement"});
  json* groups = find_path(placement, {"clusterAffinities"});
  if (groups && groups->is_array() && !groups->empty()) {
    for (std::size_t i = 0; i < groups->size() && !out.denial; ++i) {
      json& group = (*groups)[i];
      if (!group.is_object()) continue;
      const std::string where = "spec.placement.clusterAffinities[" + std::to_string(i) + "]";
      place_term(group, where, wanted, cfg, who, out);
      if (json* overflow = find_path(group, {"overflowAffinities"}); overflow && overflow->is_array()) {
        for (std::size_t j = 0; j < overflow->size() && !out.denial; ++j) {
          if ((*overflow)[j].is_object()) {
            place_term((*overflow)[j], where + ".overflowAffinities[" + std::to_string(j) + "]", wanted, cfg, who, out);
          }
        }
      }
    }
  } else {
    place_term(ensure_object(placement, {"clusterAffinity"}), "spec.placement.clusterAffinity", wanted, cfg, who, out);
  }
  if (out.denial) {
    out.note(kAnydoorRule, "denied conflicting placement");
    return;
  }

  json* spread = find_path(placement, {"spreadConstraints"});
  const bool has_spread = spread && spread->is_array() && !spread->empty();
  json* scheduling = find_path(placement, {"replicaScheduling"});
  const bool has_scheduling = scheduling && scheduling->is_object();
  std::vector<std::string> did;
  if (cell_agent) {
    if (has_spread) {
      placement.erase("spreadConstraints");
      out.change_warnings.push_back(who + ": removed spreadConstraints (a CellAgent runs in every business cluster)");
      out.required.push_back(who + ": a CellAgent has no spread constraints");
      did.push_back("removed spreadConstraints");
    }
    if (!has_scheduling || scheduling->value("replicaSchedulingType", json()) != "Duplicated") {
      if (has_scheduling) {
        out.change_warnings.push_back(who + ": replicaScheduling set to Duplicated (a CellAgent runs in every business cluster)");
      }
      placement["replicaScheduling"] = {{"replicaSchedulingType", "Duplicated"}};
      out.required.push_back(who + ": a CellAgent needs replicaScheduling Duplicated");
      did.push_back("Duplicated");
    }
  } else {
    if (!has_spread) {
      placement["spreadConstraints"] = json::array({{{"spreadByField", "zone"}, {"minGroups", cfg.min_zones}},
                                                    {{"spreadByField", "cluster"}, {"minGroups", cfg.min_zones}}});
      did.push_back("spread over " + std::to_string(cfg.min_zones) + " zones");
    } else if (std::none_of(spread->begin(), spread->end(),
                            [](const json& c) { return c.is_object() && c.value("spreadByField", json()) == "zone"; })) {
      out.advisories.push_back(who + ": its spreadConstraints do not spread the gateways across zones (no HA across AZs)");
    }
    if (!has_scheduling) {
      placement["replicaScheduling"] = {{"replicaSchedulingType", "Divided"}};
      did.push_back("Divided");
    }
  }
  std::string summary = scenario + ": business clusters";
  if (!cell_agent) summary += " hosting VPC " + annotation(object, cfg.vpc_annotation).value_or("");
  for (const auto& d : did) summary += ", " + d;
  out.note(kAnydoorRule, summary);
}

}  // namespace cell0::policies
