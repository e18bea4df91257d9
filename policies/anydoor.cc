#include "policies/anydoor.h"

#include <algorithm>

#include "policies/cluster_taint.h"
#include "policies/label_syntax.h"
#include "policies/placement_advice.h"
#include "policies/tolerations.h"
#include "policies/zone_placement.h"

namespace cell0::policies {

using nlohmann::json;

namespace {

json requirement(const std::string& key) {
  return {{"key", key}, {"operator", "In"}, {"values", json::array({"true"})}};
}

bool same_requirement(const json& e, const json& wanted) {
  return e.is_object() && e.value("key", json()) == wanted["key"] &&
         e.value("operator", json()) == wanted["operator"] && e.value("values", json()) == wanted["values"];
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

bool selects_gateway(const json& object, const Anydoor& config) {
  const json* selectors = find_path(object, {"spec", "resourceSelectors"});
  if (!selectors || !selectors->is_array()) return false;
  return std::any_of(selectors->begin(), selectors->end(), [&](const json& s) {
    return s.is_object() && std::any_of(config.gateway_kinds.begin(), config.gateway_kinds.end(), [&](const auto& k) {
             return s.value("apiVersion", json()) == k.api_version && s.value("kind", json()) == k.kind;
           });
  });
}

bool is_anydoor(const json& object, const Anydoor& config) {
  return annotation(object, config.scenario_annotation).has_value() || selects_gateway(object, config);
}

namespace {

const std::string kScenarioList = "Egress, IngressManaged, IngressTenant, CellAgent";

// Anydoor gateways bridge to a business network, which a pure-control Cell0 does not have: every
// toleration that claims the reserved key goes (a key-less one cannot be narrowed: denied).
void drop_pure_control_tolerations(json& object, const Taint& taint, const std::string& who, RuleOutcome& out) {
  json* tolerations = find_path(object, {"spec", "placement", "clusterTolerations"});
  if (!tolerations || !tolerations->is_array()) return;
  const std::string text = taint_text(taint);
  for (auto it = tolerations->begin(); it != tolerations->end();) {
    if (!claims_pure_control(*it, taint)) {
      ++it;
      continue;
    }
    if (is_wildcard(*it)) {
      out.deny(who + ": anydoor gateways may not tolerate the pure-control taint " + text + ", and the toleration " +
               toleration_text(*it) + " has no key, so it tolerates it: list the keys it should tolerate instead");
      out.note(kAnydoorRule, "denied key-less toleration");
      return;
    }
    out.change_warnings.push_back(who + ": removed its toleration " + toleration_text(*it) +
                                  " of the pure-control taint " + text +
                                  " (anydoor gateways never run on pure-control clusters)");
    out.required.push_back(who + ": anydoor gateways may not tolerate the pure-control taint " + text);
    it = tolerations->erase(it);
  }
}

// The divided placement this rule writes by default, no clusterNames pinned: the one a cluster
// inventory would turn into one cluster per zone.
bool is_default_divided(const json& placement, const Anydoor& cfg) {
  const json spread =
      json::array({{{"spreadByField", "cluster"}, {"minGroups", cfg.min_zones}, {"maxGroups", cfg.max_clusters}}});
  const json scheduling = {{"replicaSchedulingType", "Divided"},
                           {"replicaDivisionPreference", "Weighted"},
                           {"weightPreference", {{"dynamicWeight", "AvailableReplicas"}}}};
  const json* names = find_path(placement, {"clusterAffinity", "clusterNames"});
  const json* groups = find_path(placement, {"clusterAffinities"});
  return placement.value("spreadConstraints", json()) == spread &&
         placement.value("replicaScheduling", json()) == scheduling && (!names || names->empty()) &&
         (!groups || groups->empty());
}

// The user set no clusterNames, spread constraints or replica scheduling of their own: the
// placement is absent, the label-only default, or one this rule manages (annotation).
bool zones_are_ours(const json& object, const json& placement, const Anydoor& cfg) {
  if (annotation(object, kManagedPlacementAnnotation)) return true;
  if (is_default_divided(placement, cfg)) return true;
  const json* names = find_path(placement, {"clusterAffinity", "clusterNames"});
  const json* groups = find_path(placement, {"clusterAffinities"});
  const json* spread = find_path(placement, {"spreadConstraints"});
  return (!names || names->empty()) && (!groups || groups->empty()) && (!spread || spread->empty()) &&
         !find_path(placement, {"replicaScheduling"});
}

// One eligible cluster per zone, equal static weights over exactly that set. False (and the
// label-only default follows) when no zone holds an eligible cluster: an empty clusterNames would
// mean "every cluster" to Karmada.
bool place_by_zone(json& object, json& placement, const std::vector<ClusterInfo>& clusters, const Anydoor& cfg,
                   const std::string& who, RuleOutcome& out, std::vector<std::string>& did) {
  ensure_object(object, {"metadata", "annotations"})[kManagedPlacementAnnotation] = "true";
  json probe = placement;  // eligibility ignores the names a previous pass wrote
  if (json* names = find_path(probe, {"clusterAffinity"}); names) names->erase("clusterNames");
  const ZoneChoice choice = one_cluster_per_zone(probe, clusters);
  if (choice.clusters.empty()) {
    if (json* affinity = find_path(placement, {"clusterAffinity"}); affinity) affinity->erase("clusterNames");
    if (placement.value("replicaScheduling", json()).contains("weightPreference") &&
        placement["replicaScheduling"]["weightPreference"].contains("staticWeightList")) {
      placement.erase("replicaScheduling");
    }
    out.advisories.push_back(who +
                             ": no Ready cluster with a zone matches the placement (labels, taints): placed by "
                             "cluster labels only until one does");
    did.push_back("no eligible zone");
    return false;
  }
  write_zone_placement(placement, choice);
  did.push_back("one cluster per zone: " + join(choice.clusters, ", "));
  if (static_cast<int>(choice.zones.size()) < cfg.min_zones) {
    out.advisories.push_back(
        who + ": only " + std::to_string(choice.zones.size()) + " zone(s) hold an eligible cluster (" +
        join(choice.zones, ", ") + "; clusters " + join(choice.clusters, ", ") + "), fewer than anydoor.minZones " +
        std::to_string(cfg.min_zones) + ": the gateways cannot run in " + std::to_string(cfg.min_zones) + " zones");
  }
  return true;
}

void place_divided(json& placement, const Anydoor& cfg, std::vector<std::string>& did) {
  json* spread = find_path(placement, {"spreadConstraints"});
  if (!spread || !spread->is_array() || spread->empty()) {
    placement["spreadConstraints"] =
        json::array({{{"spreadByField", "cluster"}, {"minGroups", cfg.min_zones}, {"maxGroups", cfg.max_clusters}}});
    did.push_back("cluster spread " + std::to_string(cfg.min_zones) + ".." + std::to_string(cfg.max_clusters));
  }
  json* scheduling = find_path(placement, {"replicaScheduling"});
  if (!scheduling || !scheduling->is_object()) {
    placement["replicaScheduling"] = {{"replicaSchedulingType", "Divided"},
                                      {"replicaDivisionPreference", "Weighted"},
                                      {"weightPreference", {{"dynamicWeight", "AvailableReplicas"}}}};
    did.push_back("Divided by AvailableReplicas");
  }
}

void place_cell_agent(json& placement, const std::string& who, RuleOutcome& out, std::vector<std::string>& did) {
  json* spread = find_path(placement, {"spreadConstraints"});
  if (spread && spread->is_array() && !spread->empty()) {
    placement.erase("spreadConstraints");
    out.change_warnings.push_back(who + ": removed spreadConstraints (a CellAgent runs in every business cluster)");
    out.required.push_back(who + ": a CellAgent has no spread constraints");
    did.push_back("removed spreadConstraints");
  }
  json* scheduling = find_path(placement, {"replicaScheduling"});
  const bool has_scheduling = scheduling && scheduling->is_object();
  if (!has_scheduling || scheduling->value("replicaSchedulingType", json()) != "Duplicated") {
    if (has_scheduling) {
      out.change_warnings.push_back(
          who + ": replicaScheduling set to Duplicated (a CellAgent runs in every business cluster)");
    }
    placement["replicaScheduling"] = {{"replicaSchedulingType", "Duplicated"}};
    out.required.push_back(who + ": a CellAgent needs replicaScheduling Duplicated");
    did.push_back("Duplicated");
  }
}

}  // namespace

void apply_anydoor_rule(json& object, const RuleContext& ctx, RuleOutcome& out) {
  const Anydoor& cfg = ctx.policy.anydoor;
  const std::string who = describe(object, ctx.kind, ctx.namespace_);
  const std::optional<std::string> annotated = annotation(object, cfg.scenario_annotation);
  if (!annotated) {
    out.deny(who + ": anydoor policy needs " + cfg.scenario_annotation + ": one of " + kScenarioList +
             " (it selects an anydoor gateway kind)");
    out.note(kAnydoorRule, "denied gateway policy without scenario");
    return;
  }
  const std::string scenario = *annotated;
  if (std::find(kAnydoorScenarios.begin(), kAnydoorScenarios.end(), scenario) == kAnydoorScenarios.end()) {
    out.deny(who + ": \"" + scenario + "\" is not an anydoor scenario (annotation " + cfg.scenario_annotation +
             "): use one of " + kScenarioList);
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
      out.deny(who + ": annotation " + cfg.vpc_annotation + " \"" + vpc +
               "\" does not make a valid cluster label key (" + key + ")");
      out.note(kAnydoorRule, "denied invalid VPC");
      return;
    }
    wanted.push_back(requirement(key));
  }

  drop_pure_control_tolerations(object, ctx.policy.pure_control.taint, who, out);
  if (out.denial) return;

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

  std::vector<std::string> did;
  bool zoned = false;
  if (cell_agent) {
    place_cell_agent(placement, who, out, did);
  } else if (ctx.clusters && zones_are_ours(object, placement, cfg)) {
    zoned = place_by_zone(object, placement, *ctx.clusters, cfg, who, out, did);
  } else if (annotation(object, kManagedPlacementAnnotation)) {
    // Without an inventory a managed placement stays as the last inventory made it.
    zoned = true;
    did.push_back("managed placement kept (no inventory)");
  }
  if (!cell_agent && !zoned) place_divided(placement, cfg, did);
  if (!zoned) {
    for (const std::string& a : placement_advice(placement, !cell_agent, cfg.min_zones)) {
      out.advisories.push_back(who + ": " + a);
    }
  }
  if (!cell_agent && is_default_divided(placement, cfg) && !ctx.clusters) {
    out.advisories.push_back(who +
                             ": no cluster inventory (serve without --kubeconfig/--in-cluster, or review "
                             "without --clusters): placed by cluster labels only, and Karmada does not spread by zone, "
                             "so the gateways are not guaranteed to run in " +
                             std::to_string(cfg.min_zones) + " zones");
    did.push_back("zones not guaranteed (no inventory)");
  }
  std::string summary = scenario + ": business clusters";
  if (!cell_agent) summary += " hosting VPC " + annotation(object, cfg.vpc_annotation).value_or("");
  for (const auto& d : did) summary += ", " + d;
  out.note(kAnydoorRule, summary);
}

}  // namespace cell0::policies
