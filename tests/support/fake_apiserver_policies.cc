// The PropagationPolicy / ClusterPropagationPolicy half of the protocol test server, for the
// placement reconciler: list of every namespace, get, and JSON Patch guarded like the Clusters'.
#include <httplib.h>
#include <catch2/catch.hpp>

#include "tests/support/fake_apiserver.h"

namespace cell0::testing {

using nlohmann::json;

namespace {

constexpr const char* kGroup = "/apis/policy.karmada.io/v1alpha1";

void reply(httplib::Response& res, int code, const std::string& reason, const std::string& message) {
  res.status = code;
  res.set_content(json{{"kind", "Status"},
                       {"apiVersion", "v1"},
                       {"metadata", json::object()},
                       {"status", "Failure"},
                       {"message", message},
                       {"reason", reason},
                       {"code", code}}
                      .dump(),
                  "application/json");
}

std::string object_path(const std::string& kind, const std::string& ns, const std::string& name) {
  if (kind == "ClusterPropagationPolicy") return std::string(kGroup) + "/clusterpropagationpolicies/" + name;
  return std::string(kGroup) + "/namespaces/" + ns + "/propagationpolicies/" + name;
}

std::string path_of(const json& policy) {
  return object_path(policy.value("kind", ""), policy["metadata"].value("namespace", ""),
                     policy["metadata"].value("name", ""));
}

}  // namespace

json FakeApiServer::put_policy(json policy) {
  std::lock_guard lock(mutex_);
  policy["metadata"]["resourceVersion"] = std::to_string(++rv_);
  policies_[path_of(policy)] = policy;
  return policy;
}

std::optional<json> FakeApiServer::policy(const std::string& kind, const std::string& ns,
                                          const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto it = policies_.find(object_path(kind, ns, name));
  if (it == policies_.end()) return std::nullopt;
  return it->second;
}

void FakeApiServer::handle_policy(const httplib::Request& req, httplib::Response& res) {
  const std::string who = authenticate(req);
  const std::string path = req.path;
  auto log = [&] {
    std::lock_guard lock(mutex_);
    log_.push_back({req.method, path, res.status, who});
  };
  if (who.empty()) {
    reply(res, 401, "Unauthorized", "Unauthorized");
    return log();
  }
  const bool pp_list = path == std::string(kGroup) + "/propagationpolicies";
  const bool cpp_list = path == std::string(kGroup) + "/clusterpropagationpolicies";
  std::lock_guard lock(mutex_);
  if (req.method == "GET" && (pp_list || cpp_list)) {
    if (take(faults_.policy_list_5xx)) {
      reply(res, 500, "InternalError", "Internal error occurred: injected fault");
    } else {
      json items = json::array();
      const std::string kind = pp_list ? "PropagationPolicy" : "ClusterPropagationPolicy";
      for (const auto& [p, object] : policies_) {
        if (object.value("kind", "") == kind) items.push_back(object);
      }
      res.set_content(json{{"apiVersion", "policy.karmada.io/v1alpha1"},
                           {"kind", kind + "List"},
                           {"metadata", {{"resourceVersion", std::to_string(rv_)}}},
                           {"items", items}}
                          .dump(),
                      "application/json");
    }
    log_.push_back({req.method, path, res.status, who});
    return;
  }
  const auto it = policies_.find(path);
  if (it == policies_.end()) {
    reply(res, 404, "NotFound", path + " not found");
  } else if (req.method == "GET") {
    res.set_content(it->second.dump(), "application/json");
  } else if (req.get_header_value("Content-Type") != "application/json-patch+json") {
    reply(res, 415, "UnsupportedMediaType", "the body of the request was in an unknown format");
  } else if (take(faults_.policy_patch_5xx)) {
    reply(res, 500, "InternalError", "Internal error occurred: injected fault");
  } else {
    if (take(faults_.policy_patch_conflicts)) {
      it->second["metadata"]["labels"]["other-writer"] = std::to_string(++other_writes_);
      it->second["metadata"]["resourceVersion"] = std::to_string(++rv_);
    }
    json& stored = it->second;
    const json ops = json::parse(req.body, nullptr, false);
    bool conflict = false;
    for (const auto& op : ops.is_array() ? ops : json::array()) {
      conflict = conflict || (op.value("op", "") == "test" && op.value("path", "") == "/metadata/resourceVersion" &&
                              op.value("value", json()) != stored["metadata"]["resourceVersion"]);
    }
    if (!ops.is_array()) {
      reply(res, 400, "BadRequest", "a JSON patch is a list of operations");
    } else if (conflict) {
      reply(res, 409, "Conflict", "Operation cannot be fulfilled on " + path + ": the object has been modified");
    } else {
      try {
        json next = stored.patch(ops);
        if (next != stored) {
          next["metadata"]["resourceVersion"] = std::to_string(++rv_);
          stored = std::move(next);
          ++policy_patches_applied_;
        }
        res.set_content(stored.dump(), "application/json");
      } catch (const json::exception& e) {
        reply(res, 422, "Invalid", std::string("the patch does not apply: ") + e.what());
      }
    }
  }
  log_.push_back({req.method, path, res.status, who});
}

}  // namespace cell0::testing
