// The objects of reference §1.5: the Workload W and a ResourceInterpreterContext around it.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace cell0::testing {

inline nlohmann::json workload() {
  return nlohmann::json::parse(R"({"apiVersion":"workload.example.io/v1alpha1","kind":"Workload",
    "metadata":{"name":"nginx","namespace":"default"},
    "spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"nginx","image":"nginx",
      "envFrom":[{"configMapRef":{"name":"cm-a"}}]}]}}},"status":{"readyReplicas":1}})");
}

inline nlohmann::json review(const std::string& uid, const std::string& op, const nlohmann::json& object,
                             std::int64_t replicas = 0) {
  return nlohmann::json{{"apiVersion", "config.karmada.io/v1alpha1"},
                        {"kind", "ResourceInterpreterContext"},
                        {"request",
                         {{"uid", uid},
                          {"kind", {{"group", "workload.example.io"}, {"version", "v1alpha1"}, {"kind", "Workload"}}},
                          {"name", "nginx"},
                          {"namespace", "default"},
                          {"operation", op},
                          {"object", object},
                          {"replicas", replicas}}}};
}

}  // namespace cell0::testing
