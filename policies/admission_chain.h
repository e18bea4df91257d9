// The admission chain: which rule owns an object, and what /mutate, /validate and `review` decide.
// Pure functions: no I/O, no clock; the same input always gives the same decision.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/cluster_info.h"
#include "policies/namespace_info.h"
#include "policies/policy_config.h"

namespace cell0::policies {

enum class Operation { Create, Update, Delete, Connect };

// CREATE, UPDATE, DELETE or CONNECT (upper case, as in an AdmissionReview); nullopt otherwise.
std::optional<Operation> parse_operation(std::string_view text);

struct AdmissionInput {
  Operation operation = Operation::Create;
  nlohmann::json object;      // null for DELETE
  nlohmann::json old_object;  // null for CREATE
  // The request namespace; empty: the object's metadata.namespace (a PP's namespace decides
  // whether it is whitelisted).
  std::string namespace_;
  // As in request.kind; empty: taken from the object's apiVersion and kind.
  std::string group;
  std::string version;
  std::string kind;
  // The member clusters as karmada-apiserver last listed them; null when none is known.
  ClusterSnapshot clusters;
  // request.subResource ("status", "scale", ...); empty: the resource itself. No rule judges a
  // subresource write.
  std::string sub_resource;
  // The Cell0 namespaces and their annotations (the zone rules' opt-in); null when none is known.
  NamespaceSnapshot namespaces;
};

// What the ResourceBinding majority gate decided (policies/majority_gate.h), for the webhook's
// metric: the workload kind and allowed | rejected | warned | no_inventory | skipped.
struct MajorityGateRecord {
  std::string kind;
  std::string result;
  bool operator==(const MajorityGateRecord&) const = default;
};

struct Decision {
  bool allowed = true;
  bool owned = false;     // one of the webhook's rules looked at the object
  nlohmann::json object;  // the resulting object (the input's when nothing changed or denied)
  std::vector<std::string> warnings;
  int code = 0;         // when denied: 403 for a policy denial, 400 for an unusable request
  std::string message;  // when denied
  std::map<std::string, std::string> audit_annotations;  // rule name -> what it did
  std::optional<MajorityGateRecord> majority_gate;       // set when the gate judged the request
};

// The mutating pass: adds or removes only the elements the rules own.
Decision mutate(const AdmissionInput& input, const Policy& policy);
// The validating pass: re-checks the rules on the (already mutated) object and runs Karmada's
// own validation of the placement; never changes the object.
Decision validate(const AdmissionInput& input, const Policy& policy);
// What the apiserver would do with both webhooks registered: mutate, then validate the result.
Decision review(const AdmissionInput& input, const Policy& policy);

}  // namespace cell0::policies
