// The whitelist rule for PropagationPolicy / ClusterPropagationPolicy: a whitelisted policy gets
// a toleration of the pure-control taint; a policy that is not whitelisted may not claim it
// (Reject: denied; Strip: explicit tolerations removed, a key-less one still denied; Warn:
// admitted with a warning).
//
// Tolerations are judged as Karmada's scheduler judges them: Kubernetes' Toleration.ToleratesTaint
// (reference karmada-scheduling.md §6). The pure-control key is reserved: a toleration that names
// it claims the taint whatever its operator, value or effect (the reconciler keeps one canonical
// taint, but a hand-made `pure-control-cluster=true:NoSchedule` must not open a side door in the
// meantime), and so does a key-less toleration that tolerates the canonical taint.
//
// Opt-out: a whitelisted policy annotated `cell0.ccos.io/pure-control-toleration: omit` gets no
// toleration added (so an UPDATE that removes it keeps it removed).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "policies/rule_support.h"

namespace cell0::policies {

inline constexpr const char* kTolerationRule = "pure-control-toleration";
inline constexpr const char* kOmitTolerationAnnotation = "cell0.ccos.io/pure-control-toleration";
inline constexpr const char* kOmitTolerationValue = "omit";

// Kubernetes Toleration.ToleratesTaint: an empty effect matches every effect, an empty key every
// key, an empty operator is Equal (values compared, absent == ""), Exists ignores the value.
bool tolerates_taint(const nlohmann::json& toleration, const std::string& key, const std::string& value,
                     const std::string& effect);
bool tolerates(const nlohmann::json& toleration, const Taint& taint);
// Names the reserved key, or tolerates the canonical taint (a key-less toleration).
bool claims_pure_control(const nlohmann::json& toleration, const Taint& taint);
// No key: it cannot be narrowed by stripping, only replaced by the user with explicit keys.
bool is_wildcard(const nlohmann::json& toleration);
std::string toleration_text(const nlohmann::json& toleration);

struct WhitelistCheck {
  bool whitelisted = false;
  std::string
      why_not;  // e.g. "resourceSelectors[1] (apps/v1 Deployment shop/web) matches no whitelist.resources entry"
};

// PP: its namespace matches whitelist.namespaces. CPP: it has resource selectors and every one
// matches a whitelist.resources entry.
WhitelistCheck check_whitelist(const nlohmann::json& policy_object, const std::string& kind,
                               const std::string& namespace_, const Whitelist& whitelist);
bool is_whitelisted(const nlohmann::json& policy_object, const std::string& kind, const std::string& namespace_,
                    const Whitelist& whitelist);

void apply_toleration_rule(nlohmann::json& policy_object, const RuleContext& ctx, RuleOutcome& out);

// What a rule does with the tolerations it does not allow (indexes `offending`, ascending, into
// `tolerations`), by its enforcement: Reject denies with `problem`; Warn admits with it as an
// advisory, naming `setting` (e.g. "whitelist.enforcement"); Strip removes them and warns with
// `strip_warning`, except that a key-less wildcard (`wildcard`) cannot be stripped and is denied.
struct OffendingTolerations {
  nlohmann::json& tolerations;
  const std::vector<std::size_t>& offending;
  bool wildcard = false;
};
void enforce_on_tolerations(Enforcement enforcement, const std::string& rule, const std::string& setting,
                            const std::string& problem, const std::string& strip_warning,
                            const OffendingTolerations& found, RuleOutcome& out);

}  // namespace cell0::policies
