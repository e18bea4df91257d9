#include "webhook/interpreter_codec.h"

#include <catch2/catch.hpp>

#include "reference_examples.h"

using cell0::webhook::decode_interpreter_request;
using cell0::webhook::encode_interpreter_failure;
using cell0::webhook::encode_interpreter_response;
using cell0::webhook::InterpreterCall;
using nlohmann::json;
namespace common = cell0::common;
namespace interp = cell0::interp;

namespace {

using cell0::testing::review;
using cell0::testing::workload;

cell0::webhook::InterpreterCall decode(const json& body) {
  auto decoded = cell0::webhook::decode_interpreter_request(body);
  if (!decoded) FAIL(decoded.error().message);
  return *decoded;
}

// What the endpoint answers a refused request with.
struct Refusal {
  std::string message;
  std::string uid;
  int code = 0;
};

Refusal refusal(const json& body) {
  auto decoded = cell0::webhook::decode_interpreter_request(body);
  REQUIRE_FALSE(decoded.ok());
  return Refusal{decoded.error().message, cell0::webhook::interpreter_refusal_uid(body),
                 cell0::webhook::status_code_for(decoded.error().kind)};
}

json response_of(const cell0::webhook::InterpreterCall& call, const interp::InterpretResult& result) {
  json body = json::parse(cell0::webhook::encode_interpreter_response(call, result));
  CHECK(body["apiVersion"] == "config.karmada.io/v1alpha1");
  CHECK(body["kind"] == "ResourceInterpreterContext");
  return body["response"];
}

}  // namespace

TEST_CASE("decoding a §1.5 request fills the InterpretRequest", "[codec]") {
  auto call = decode(review("u1", "InterpretReplica", workload()));
  CHECK(call.uid == "u1");
  CHECK(call.request.operation == interp::Operation::InterpretReplica);
  CHECK(call.request.object == workload());
  CHECK(call.request.status_items.is_null());
  CHECK(call.kind == "Workload");
  CHECK(call.api_version == "workload.example.io/v1alpha1");
  CHECK(call.name == "nginx");
  CHECK(call.namespace_ == "default");
}

TEST_CASE("InterpretReplica answers replicas and requirements (§1.5)", "[codec]") {
  auto call = decode(review("u1", "InterpretReplica", workload()));
  interp::InterpretResult r;
  r.replicas = 3;
  r.requirements =
      json::parse(R"({"nodeClaim":{"nodeSelector":{"disk":"ssd"}},"resourceRequest":{"cpu":"500m","memory":"512Mi"}})");
  CHECK(response_of(call, r) == json::parse(R"({"uid":"u1","successful":true,"status":{"code":200},"replicas":3,
    "replicaRequirements":{"nodeClaim":{"nodeSelector":{"disk":"ssd"}},"resourceRequest":{"cpu":"500m","memory":"512Mi"}}})"));
  r.requirements = nullptr;
  CHECK_FALSE(response_of(call, r).contains("replicaRequirements"));
}

TEST_CASE("InterpretComponent answers components (§1.5)", "[codec]") {
  auto call = decode(review("u2", "InterpretComponent", workload()));
  interp::InterpretResult r;
  r.components = json::parse(R"([{"name":"main","replicas":3}])");
  CHECK(response_of(call, r) ==
        json::parse(
            R"({"uid":"u2","successful":true,"status":{"code":200},"components":[{"name":"main","replicas":3}]})"));
}

TEST_CASE("ReviseReplica answers a base64 JSON patch (§1.5)", "[codec]") {
  json w = workload();
  w["spec"]["replicas"] = 1;
  auto call = decode(review("u3", "ReviseReplica", w, 3));
  CHECK(call.request.replicas == 3);
  interp::InterpretResult r;
  r.object = w;
  r.object["spec"]["replicas"] = 3;
  CHECK(response_of(call, r) == json::parse(R"({"uid":"u3","successful":true,"status":{"code":200},
    "patchType":"JSONPatch","patch":"W3sib3AiOiJyZXBsYWNlIiwicGF0aCI6Ii9zcGVjL3JlcGxpY2FzIiwidmFsdWUiOjN9XQ=="})"));
}

TEST_CASE("an unchanged object answers without patch or patchType", "[codec]") {
  auto call = decode(review("u3", "ReviseReplica", workload(), 3));
  interp::InterpretResult r;
  r.object = workload();
  const json response = response_of(call, r);
  CHECK(response == json::parse(R"({"uid":"u3","successful":true,"status":{"code":200}})"));
}

TEST_CASE("Retain needs the observed object and answers a patch (§1.5)", "[codec]") {
  json body = review("u4", "Retain", workload());
  const json observed = json::parse(R"({"apiVersion":"workload.example.io/v1alpha1","kind":"Workload",
    "metadata":{"name":"nginx","namespace":"default"},"spec":{"replicas":3,"paused":true}})");
  CHECK(refusal(body).message.find("observedObject") != std::string::npos);
  body["request"]["observedObject"] = observed;
  auto call = decode(body);
  CHECK(call.request.observed == observed);
  interp::InterpretResult r;
  r.object = workload();
  r.object["spec"]["paused"] = true;
  CHECK(response_of(call, r)["patch"] == "W3sib3AiOiJhZGQiLCJwYXRoIjoiL3NwZWMvcGF1c2VkIiwidmFsdWUiOnRydWV9XQ==");
}

TEST_CASE("AggregateStatus passes the items and answers a patch (§1.5)", "[codec]") {
  json w = workload();
  w.erase("status");
  json body = review("u5", "AggregateStatus", w);
  const json items =
      json::parse(R"([{"clusterName":"member1","status":{"readyReplicas":2},"applied":true,"health":"Healthy"},
    {"clusterName":"member2","status":{"readyReplicas":1},"applied":true,"health":"Unhealthy"}])");
  body["request"]["aggregatedStatus"] = items;
  auto call = decode(body);
  CHECK(call.request.status_items == items);
  interp::InterpretResult r;
  r.object = w;
  r.object["status"] = {{"readyReplicas", 3}};
  const json response = response_of(call, r);
  CHECK(response["patchType"] == "JSONPatch");
  CHECK(response["patch"] == "W3sib3AiOiJhZGQiLCJwYXRoIjoiL3N0YXR1cyIsInZhbHVlIjp7InJlYWR5UmVwbGljYXMiOjN9fV0=");
}

TEST_CASE("InterpretStatus embeds the raw status verbatim (§1.5)", "[codec]") {
  auto call = decode(review("u6", "InterpretStatus", workload()));
  interp::InterpretResult r;
  r.raw_status = R"({"readyReplicas":1,"ratio":0.5})";
  const std::string text = cell0::webhook::encode_interpreter_response(call, r);
  CHECK(text.find(R"("rawStatus":{"readyReplicas":1,"ratio":0.5})") != std::string::npos);
  CHECK(json::parse(text)["response"] == json::parse(R"({"uid":"u6","successful":true,"status":{"code":200},
    "rawStatus":{"readyReplicas":1,"ratio":0.5}})"));
}

TEST_CASE("InterpretHealth and InterpretDependency (§1.5)", "[codec]") {
  interp::InterpretResult r;
  r.healthy = false;
  CHECK(response_of(decode(review("u7", "InterpretHealth", workload())), r) ==
        json::parse(R"({"uid":"u7","successful":true,"status":{"code":200},"healthy":false})"));
  r.dependencies = json::parse(R"([{"apiVersion":"v1","kind":"ConfigMap","namespace":"default","name":"cm-a"}])");
  CHECK(response_of(decode(review("u8", "InterpretDependency", workload())), r) ==
        json::parse(R"({"uid":"u8","successful":true,"status":{"code":200},
          "dependencies":[{"apiVersion":"v1","kind":"ConfigMap","namespace":"default","name":"cm-a"}]})"));
}

TEST_CASE("engine errors answer successful:false with a code and the cause", "[codec]") {
  auto call = decode(review("u9", "InterpretHealth", workload()));
  auto encode = [&](common::ErrorKind kind, const std::string& message) {
    return json::parse(cell0::webhook::encode_interpreter_response(call, common::Error{kind, message}))["response"];
  };
  const json timeout = encode(common::ErrorKind::Timeout, "script ran past 1s");
  CHECK(timeout == json::parse(R"({"uid":"u9","successful":false,
    "status":{"code":500,"message":"Timeout: script ran past 1s"}})"));
  CHECK(encode(common::ErrorKind::NoHook, "x")["status"]["code"] == 404);
  CHECK(encode(common::ErrorKind::BadRequest, "x")["status"]["code"] == 400);
  CHECK(encode(common::ErrorKind::Runtime, "x")["status"]["code"] == 500);
}

TEST_CASE("bad requests are refused with a reason", "[codec]") {
  CHECK(refusal(json::array()).message.find("JSON object") != std::string::npos);
  CHECK(refusal(json::object()).message == "missing request");

  json no_uid = review("", "InterpretHealth", workload());
  CHECK(refusal(no_uid).message == "missing request.uid");
  CHECK(refusal(no_uid).uid.empty());

  json wrong_version = review("u", "InterpretHealth", workload());
  wrong_version["apiVersion"] = "config.karmada.io/v1";
  CHECK(refusal(wrong_version).message.find("unsupported apiVersion") != std::string::npos);
  CHECK(refusal(wrong_version).uid.empty());  // the envelope is not sound: no uid is echoed
  json wrong_kind = review("u", "InterpretHealth", workload());
  wrong_kind["kind"] = "AdmissionReview";
  CHECK(refusal(wrong_kind).message.find("unsupported kind") != std::string::npos);

  const auto bad_op = refusal(review("u", "Prune", workload()));
  CHECK(bad_op.message == "wrong request operation type: Prune");
  CHECK(bad_op.uid == "u");
  CHECK(bad_op.code == 400);

  json no_object = review("u", "InterpretHealth", workload());
  no_object["request"].erase("object");
  CHECK(refusal(no_object).message == "missing request.object");
  CHECK(refusal(review("u", "InterpretHealth", json{{"spec", json::object()}})).message.find("apiVersion") !=
        std::string::npos);

  json float_replicas = review("u", "ReviseReplica", workload());
  float_replicas["request"]["replicas"] = 1.5;
  CHECK(refusal(float_replicas).message.find("replicas") != std::string::npos);
  json bad_items = review("u", "AggregateStatus", workload());
  bad_items["request"]["aggregatedStatus"] = "nope";
  CHECK(refusal(bad_items).message.find("aggregatedStatus") != std::string::npos);
}

TEST_CASE("the envelope is optional on requests, as Karmada's SDK allows", "[codec]") {
  json body = review("u1", "InterpretHealth", workload());
  body.erase("apiVersion");
  body.erase("kind");
  CHECK(decode(body).uid == "u1");
}

TEST_CASE("failure bodies carry uid, code and message", "[codec]") {
  CHECK(json::parse(cell0::webhook::encode_interpreter_failure("u", 400, "bad")) ==
        json::parse(R"({"apiVersion":"config.karmada.io/v1alpha1","kind":"ResourceInterpreterContext",
          "response":{"uid":"u","successful":false,"status":{"code":400,"message":"bad"}}})"));
}
