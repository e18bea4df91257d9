#include "lua/pod_requirements.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "lua/quantity.h"

using cell0::lua::accurate_pod_requirements;
using cell0::lua::pod_dependencies;
using cell0::lua::QuantityError;
using nlohmann::json;

namespace {

json requests_of(const json& spec) {
  const json r = accurate_pod_requirements({{"spec", spec}});
  return r.is_null() ? json() : r.value("resourceRequest", json());
}

json container(const json& requests, const json& limits = nullptr) {
  json resources = json::object();
  if (!requests.is_null()) resources["requests"] = requests;
  if (!limits.is_null()) resources["limits"] = limits;
  return {{"name", "c"}, {"image", "nginx"}, {"resources", resources}};
}

}  // namespace

TEST_CASE("accuratePodRequirements: limits only, node selector and tolerations", "[pod]") {
  const json tpl = json::parse(R"({
    "metadata": {"labels": {"app": "x"}},
    "spec": {
      "nodeSelector": {"foo": "foo1"},
      "tolerations": [{"key": "bar", "operator": "Exists"}],
      "containers": [
        {"name": "a", "image": "i", "resources": {"limits": {"cpu": "100m", "memory": "100M"}}},
        {"name": "b", "image": "i", "resources": {"limits": {"cpu": "1.2", "memory": "1.2G"}}}
      ]
    }
  })");
  const json expected = json::parse(R"({
    "nodeClaim": {"nodeSelector": {"foo": "foo1"}, "tolerations": [{"key": "bar", "operator": "Exists"}]},
    "resourceRequest": {"cpu": "1300m", "memory": "1300000000"}
  })");
  CHECK(accurate_pod_requirements(tpl) == expected);
}

TEST_CASE("accuratePodRequirements: absent parts and bare PodSpec", "[pod]") {
  CHECK(accurate_pod_requirements(json::object()).is_null());
  CHECK(accurate_pod_requirements({{"spec", {{"containers", json::array()}}}}).is_null());
  // A bare PodSpec has no `spec` key: Go decodes nothing useful and returns nil.
  CHECK(accurate_pod_requirements({{"containers", {container({{"cpu", "1"}})}}}).is_null());
  // Extra keys next to spec are ignored.
  const json r = accurate_pod_requirements({{"replicas", 3}, {"spec", {{"containers", {container({{"cpu", "1"}})}}}}});
  CHECK(r == json::parse(R"({"resourceRequest": {"cpu": "1"}})"));
  // Empty nodeSelector / tolerations do not make a nodeClaim.
  CHECK(accurate_pod_requirements({{"spec", {{"nodeSelector", json::object()}, {"tolerations", json::array()}}}})
            .is_null());
}

TEST_CASE("accuratePodRequirements: init containers take the max, overhead is added", "[pod]") {
  const json spec = {
      {"containers", {container({{"cpu", "100m"}, {"memory", "512Mi"}}), container({{"cpu", "200m"}})}},
      {"initContainers", {container({{"cpu", "500m"}, {"memory", "256Mi"}}), container({{"cpu", "250m"}})}},
  };
  CHECK(requests_of(spec) == json::parse(R"({"cpu": "500m", "memory": "512Mi"})"));

  json with_overhead = spec;
  with_overhead["overhead"] = {{"cpu", "250m"}, {"memory", "64Mi"}};
  CHECK(requests_of(with_overhead) == json::parse(R"({"cpu": "750m", "memory": "576Mi"})"));

  // No special case for sidecars (restartPolicy: Always): still max(sum, init).
  json sidecar = spec;
  sidecar["initContainers"][0]["restartPolicy"] = "Always";
  CHECK(requests_of(sidecar) == json::parse(R"({"cpu": "500m", "memory": "512Mi"})"));
}

TEST_CASE("accuratePodRequirements: limits are copied into missing requests", "[pod]") {
  const json spec = {
      {"containers",
       {container({{"cpu", "100m"}}, {{"cpu", "2"}, {"memory", "1Gi"}}), container(nullptr, {{"cpu", "1"}})}},
      {"initContainers", {container(nullptr, {{"memory", "3Gi"}})}}};
  CHECK(requests_of(spec) == json::parse(R"({"cpu": "1100m", "memory": "3Gi"})"));
}

TEST_CASE("accuratePodRequirements: resource names and printing", "[pod]") {
  const json requests = {
      {"cpu", "1"},
      {"memory", "1000"},
      {"ephemeral-storage", "1300000000"},
      {"pods", "3"},
      {"storage", "10Gi"},
      {"foo", "1"},
      {"nvidia.com/gpu", "2"},
      {"hugepages-2Mi", "1Gi"},
      {"example.com/Bad_", "1"},
      {"requests.example.com/x", "1"},
      {"kubernetes.io/something", "4"},
      {"attachable-volumes-aws-ebs", "1k"},
      {"example.com/zero", "0"},
  };
  const json expected = json::parse(R"({
    "cpu": "1", "memory": "1k", "ephemeral-storage": "1300000000", "pods": "3",
    "nvidia.com/gpu": "2", "hugepages-2Mi": "1Gi", "kubernetes.io/something": "4",
    "attachable-volumes-aws-ebs": "1k"
  })");
  CHECK(requests_of({{"containers", {container(requests)}}}) == expected);

  // cpu is rounded up to 1m per quantity, others to whole units; numbers are quantities too.
  const json rounding = {
      {"containers", {container({{"cpu", "0.1m"}, {"memory", "1.5"}}), container({{"cpu", 2}, {"memory", 0.5}})}}};
  CHECK(requests_of(rounding) == json::parse(R"({"cpu": "2001m", "memory": "3"})"));
  CHECK(requests_of({{"containers", {container({{"memory", "2176Mi"}})}}}) == json::parse(R"({"memory": "2176Mi"})"));
}

TEST_CASE("accuratePodRequirements: hard node affinity only", "[pod]") {
  const json spec = json::parse(R"({
    "affinity": {"nodeAffinity": {
      "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"], "extra": 1}]}
      ]},
      "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1}]
    }},
    "tolerations": [{"key": "k", "operator": "Equal", "value": "", "effect": "NoExecute",
                     "tolerationSeconds": 30, "unknown": "x"}]
  })");
  const json expected = json::parse(R"({"nodeClaim": {
    "hardNodeAffinity": {"nodeSelectorTerms": [
      {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]}]},
    "tolerations": [{"key": "k", "operator": "Equal", "effect": "NoExecute", "tolerationSeconds": 30}]
  }})");
  CHECK(accurate_pod_requirements({{"spec", spec}}) == expected);
}

TEST_CASE("accuratePodRequirements: Go decoding errors", "[pod]") {
  auto error_of = [](const json& tpl) {
    try {
      accurate_pod_requirements(tpl);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of({{"spec", {{"containers", "x"}}}}) ==
        "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type "
        "[]v1.Container");
  CHECK(error_of({{"spec", {{"containers", {"x"}}}}}) ==
        "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type "
        "v1.Container");
  CHECK(error_of({{"spec", {{"containers", {{{"resources", {{"limits", 3}}}}}}}}}) ==
        "json: cannot unmarshal number into Go struct field ResourceRequirements"
        ".spec.containers.resources.limits of type v1.ResourceList");
  CHECK(error_of({{"spec", {{"tolerations", {{{"tolerationSeconds", "5"}}}}}}}) ==
        "json: cannot unmarshal string into Go struct field Toleration.spec.tolerations"
        ".tolerationSeconds of type int64");
  CHECK(error_of({{"spec", {{"tolerations", {{{"tolerationSeconds", 1.5}}}}}}}) ==
        "json: cannot unmarshal number 1.5 into Go struct field Toleration.spec.tolerations"
        ".tolerationSeconds of type int64");
  CHECK(error_of({{"spec", {{"nodeSelector", {{"a", 1}}}}}}) ==
        "json: cannot unmarshal number into Go struct field PodSpec.spec.nodeSelector of type "
        "string");
  CHECK(error_of({{"spec", json::array({1})}}) ==
        "json: cannot unmarshal array into Go struct field PodTemplateSpec.spec of type v1.PodSpec");
  CHECK(error_of(json::array({1})) == "json: cannot unmarshal array into Go value of type v1.PodTemplateSpec");
  CHECK(error_of({{"spec", {{"containers", {container({{"cpu", "abc"}})}}}}}) ==
        "quantities must match the regular expression "
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  CHECK_THROWS_AS(accurate_pod_requirements({{"spec", {{"overhead", {{"cpu", "1K"}}}}}}), QuantityError);
  // A quantity error aborts decoding even after an earlier type error, as in Go.
  CHECK(error_of({{"spec", {{"affinity", 1}, {"overhead", {{"cpu", "1K"}}}}}}) == "unable to parse quantity's suffix");
  // Quantity.UnmarshalJSON trims spaces; nulls are zero quantities.
  CHECK(requests_of({{"containers", {container({{"cpu", " 1 "}, {"memory", nullptr}})}}}) ==
        json::parse(R"({"cpu": "1"})"));
}

TEST_CASE("getPodDependencies: service account", "[pod]") {
  const json tpl = {{"spec", {{"serviceAccountName", "test"}}}};
  CHECK(pod_dependencies(tpl, "test") ==
        json::parse(R"([{"apiVersion": "v1", "kind": "ServiceAccount", "namespace": "test", "name": "test"}])"));
  CHECK(pod_dependencies(tpl, "")[0] ==
        json::parse(R"({"apiVersion": "v1", "kind": "ServiceAccount", "name": "test"})"));
  CHECK(pod_dependencies({{"spec", {{"serviceAccountName", "default"}}}}, "test").is_null());
  CHECK(pod_dependencies({{"spec", {{"serviceAccount", "old"}}}}, "test").is_null());
  CHECK(pod_dependencies(json::object(), "default").is_null());
}

TEST_CASE("getPodDependencies: every reference kind", "[pod]") {
  const json tpl = json::parse(R"({"spec": {
    "serviceAccountName": "sa",
    "imagePullSecrets": [{"name": "pull"}, {"name": ""}],
    "initContainers": [{"name": "i", "envFrom": [{"configMapRef": {"name": "cm-init"}}]}],
    "containers": [{"name": "c",
      "envFrom": [{"secretRef": {"name": "s-envfrom"}}, {"configMapRef": {"name": "cm-envfrom"}}],
      "env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "cm-env", "key": "k"}}},
              {"name": "B", "valueFrom": {"secretKeyRef": {"name": "s-env", "key": "k"}}},
              {"name": "C", "value": "plain"}]}],
    "ephemeralContainers": [{"name": "e", "env": [
      {"name": "D", "valueFrom": {"secretKeyRef": {"name": "s-ephemeral", "key": "k"}}}]}],
    "volumes": [
      {"name": "v1", "configMap": {"name": "cm-vol"}},
      {"name": "v2", "projected": {"sources": [{"configMap": {"name": "cm-proj"}},
                                                {"secret": {"name": "s-proj"}}]}},
      {"name": "v3", "azureFile": {"secretName": "s-azure", "shareName": "x"}},
      {"name": "v4", "cephfs": {"secretRef": {"name": "s-cephfs"}}},
      {"name": "v5", "cinder": {"secretRef": {"name": "s-cinder"}}},
      {"name": "v6", "flexVolume": {"driver": "d", "secretRef": {"name": "s-flex"}}},
      {"name": "v7", "rbd": {"secretRef": {"name": "s-rbd"}}},
      {"name": "v8", "secret": {"secretName": "s-secret"}},
      {"name": "v9", "scaleIO": {"secretRef": {"name": "s-scaleio"}}},
      {"name": "v10", "iscsi": {"secretRef": {"name": "s-iscsi"}}},
      {"name": "v11", "storageos": {"secretRef": {"name": "s-storageos"}}},
      {"name": "v12", "csi": {"driver": "d", "nodePublishSecretRef": {"name": "s-csi"}}},
      {"name": "v13", "persistentVolumeClaim": {"claimName": "pvc-1"}},
      {"name": "v14", "persistentVolumeClaim": {"claimName": "pvc-1"}},
      {"name": "v15", "persistentVolumeClaim": {"claimName": ""}},
      {"name": "v16", "emptyDir": {}}
    ]}})");
  json expected = json::array();
  auto ref = [&](const char* kind, const char* name) {
    expected.push_back({{"apiVersion", "v1"}, {"kind", kind}, {"namespace", "ns"}, {"name", name}});
  };
  for (const char* n : {"cm-env", "cm-envfrom", "cm-init", "cm-proj", "cm-vol"}) ref("ConfigMap", n);
  for (const char* n : {"pull", "s-azure", "s-cephfs", "s-cinder", "s-csi", "s-env", "s-envfrom", "s-ephemeral",
                        "s-flex", "s-iscsi", "s-proj", "s-rbd", "s-scaleio", "s-secret", "s-storageos"}) {
    ref("Secret", n);
  }
  ref("ServiceAccount", "sa");
  ref("PersistentVolumeClaim", "pvc-1");
  CHECK(pod_dependencies(tpl, "ns") == expected);
}

TEST_CASE("getPodDependencies: decoding errors", "[pod]") {
  CHECK_THROWS_WITH(pod_dependencies({{"spec", {{"volumes", {{{"secret", "x"}}}}}}}, "ns"),
                    "json: cannot unmarshal string into Go struct field Volume.spec.volumes.secret "
                    "of type v1.SecretVolumeSource");
  CHECK_THROWS_WITH(pod_dependencies({{"spec", {{"serviceAccountName", 5}}}}, "ns"),
                    "json: cannot unmarshal number into Go struct field PodSpec.spec"
                    ".serviceAccountName of type string");
}
