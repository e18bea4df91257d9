#include "lua/pod_requirements.h"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "lua/go_format.h"
#include "lua/quantity.h"

namespace cell0::lua {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// A small model of the corev1 types Karmada decodes the template into, enough to reproduce
// json.Unmarshal's type errors on the fields these helpers read. Unknown fields are ignored,
// as in Go.

struct GoType {
  enum class Kind { String, Int64, Int32, Bool, Quantity, StringMap, ResourceList, Struct, Slice };
  Kind kind = Kind::String;
  std::string name;         // reflect.Type.String(): "[]v1.Container", "v1.TaintEffect", ...
  std::string struct_name;  // reflect.Type.Name() of a struct: "Container"
  std::vector<std::pair<std::string, const GoType*>> fields;
  const GoType* elem = nullptr;
};

class Schema {
 public:
  static const Schema& get() {
    static const Schema schema;
    return schema;
  }
  const GoType* pod_template_spec = nullptr;

 private:
  using Fields = std::vector<std::pair<std::string, const GoType*>>;

  const GoType* make(GoType t) { return &types_.emplace_back(std::move(t)); }
  const GoType* scalar(GoType::Kind kind, std::string name) {
    return make(GoType{kind, std::move(name), "", {}, nullptr});
  }
  const GoType* structure(const std::string& name, Fields fields) {
    return make(GoType{GoType::Kind::Struct, "v1." + name, name, std::move(fields), nullptr});
  }
  const GoType* slice(const GoType* elem) { return make(GoType{GoType::Kind::Slice, "[]" + elem->name, "", {}, elem}); }

  Schema() {
    using K = GoType::Kind;
    const GoType* str = scalar(K::String, "string");
    const GoType* i64 = scalar(K::Int64, "int64");
    const GoType* i32 = scalar(K::Int32, "int32");
    const GoType* boolean = scalar(K::Bool, "bool");
    const GoType* str_map = scalar(K::StringMap, "map[string]string");
    const GoType* resources = scalar(K::ResourceList, "v1.ResourceList");
    const GoType* strings = slice(str);

    const GoType* local_ref = structure("LocalObjectReference", {{"name", str}});
    const GoType* requirements = structure("ResourceRequirements", {{"limits", resources}, {"requests", resources}});
    const GoType* key_selector =
        structure("ConfigMapKeySelector", {{"name", str}, {"key", str}, {"optional", boolean}});
    const GoType* secret_key_selector =
        structure("SecretKeySelector", {{"name", str}, {"key", str}, {"optional", boolean}});
    const GoType* env_source =
        structure("EnvVarSource", {{"configMapKeyRef", key_selector}, {"secretKeyRef", secret_key_selector}});
    const GoType* env_var = structure("EnvVar", {{"name", str}, {"value", str}, {"valueFrom", env_source}});
    const GoType* env_from = structure(
        "EnvFromSource", {{"prefix", str},
                          {"configMapRef", structure("ConfigMapEnvSource", {{"name", str}, {"optional", boolean}})},
                          {"secretRef", structure("SecretEnvSource", {{"name", str}, {"optional", boolean}})}});
    const Fields container_fields = {
        {"name", str},
        {"image", str},
        {"command", strings},
        {"args", strings},
        {"workingDir", str},
        {"env", slice(env_var)},
        {"envFrom", slice(env_from)},
        {"resources", requirements},
        {"imagePullPolicy", scalar(K::String, "v1.PullPolicy")},
        {"restartPolicy", scalar(K::String, "v1.ContainerRestartPolicy")},
    };
    const GoType* container = structure("Container", container_fields);
    const GoType* ephemeral = structure("EphemeralContainer", container_fields);

    auto with_secret_ref = [&](const std::string& name) { return structure(name, {{"secretRef", local_ref}}); };
    const GoType* projection = structure(
        "VolumeProjection", {{"configMap", structure("ConfigMapProjection", {{"name", str}, {"optional", boolean}})},
                             {"secret", structure("SecretProjection", {{"name", str}, {"optional", boolean}})}});
    const GoType* volume = structure(
        "Volume", {{"name", str},
                   {"azureFile", structure("AzureFileVolumeSource", {{"secretName", str}, {"shareName", str}})},
                   {"cephfs", with_secret_ref("CephFSVolumeSource")},
                   {"cinder", with_secret_ref("CinderVolumeSource")},
                   {"flexVolume", structure("FlexVolumeSource", {{"driver", str}, {"secretRef", local_ref}})},
                   {"projected", structure("ProjectedVolumeSource", {{"sources", slice(projection)}})},
                   {"rbd", with_secret_ref("RBDVolumeSource")},
                   {"secret", structure("SecretVolumeSource", {{"secretName", str}, {"optional", boolean}})},
                   {"scaleIO", with_secret_ref("ScaleIOVolumeSource")},
                   {"iscsi", with_secret_ref("ISCSIVolumeSource")},
                   {"storageos", with_secret_ref("StorageOSVolumeSource")},
                   {"csi", structure("CSIVolumeSource", {{"driver", str}, {"nodePublishSecretRef", local_ref}})},
                   {"configMap", structure("ConfigMapVolumeSource", {{"name", str}, {"optional", boolean}})},
                   {"persistentVolumeClaim",
                    structure("PersistentVolumeClaimVolumeSource", {{"claimName", str}, {"readOnly", boolean}})}});
    const GoType* requirement =
        structure("NodeSelectorRequirement",
                  {{"key", str}, {"operator", scalar(K::String, "v1.NodeSelectorOperator")}, {"values", strings}});
    const GoType* term =
        structure("NodeSelectorTerm", {{"matchExpressions", slice(requirement)}, {"matchFields", slice(requirement)}});
    const GoType* node_selector = structure("NodeSelector", {{"nodeSelectorTerms", slice(term)}});
    const GoType* affinity = structure(
        "Affinity", {{"nodeAffinity",
                      structure("NodeAffinity", {{"requiredDuringSchedulingIgnoredDuringExecution", node_selector}})}});
    const GoType* toleration = structure("Toleration", {{"key", str},
                                                        {"operator", scalar(K::String, "v1.TolerationOperator")},
                                                        {"value", str},
                                                        {"effect", scalar(K::String, "v1.TaintEffect")},
                                                        {"tolerationSeconds", i64}});
    const GoType* pod_spec = structure("PodSpec", {{"volumes", slice(volume)},
                                                   {"initContainers", slice(container)},
                                                   {"containers", slice(container)},
                                                   {"ephemeralContainers", slice(ephemeral)},
                                                   {"restartPolicy", scalar(K::String, "v1.RestartPolicy")},
                                                   {"terminationGracePeriodSeconds", i64},
                                                   {"nodeSelector", str_map},
                                                   {"serviceAccountName", str},
                                                   {"serviceAccount", str},
                                                   {"nodeName", str},
                                                   {"hostNetwork", boolean},
                                                   {"imagePullSecrets", slice(local_ref)},
                                                   {"affinity", affinity},
                                                   {"schedulerName", str},
                                                   {"tolerations", slice(toleration)},
                                                   {"priorityClassName", str},
                                                   {"priority", i32},
                                                   {"overhead", resources}});
    const GoType* object_meta = structure(
        "ObjectMeta",
        {{"name", str}, {"generateName", str}, {"namespace", str}, {"labels", str_map}, {"annotations", str_map}});
    pod_template_spec = structure("PodTemplateSpec", {{"metadata", object_meta}, {"spec", pod_spec}});
  }

  std::deque<GoType> types_;
};

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string json_kind(const json& v) {
  if (v.is_string()) return "string";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "bool";
  if (v.is_array()) return "array";
  return "object";
}

// The text Go's decoder sees for a number (the Lua side encodes float64 the encoding/json way).
std::string number_text(const json& v) {
  if (v.is_number_integer())
    return v.is_number_unsigned() ? std::to_string(v.get<std::uint64_t>()) : std::to_string(v.get<std::int64_t>());
  return go_json_number(v.get<double>());
}

bool parse_int(const std::string& text, std::int64_t min, std::int64_t max, std::int64_t& out) {
  std::size_t i = 0;
  bool neg = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) neg = text[i++] == '-';
  if (i == text.size()) return false;
  std::uint64_t m = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    const auto d = static_cast<std::uint64_t>(text[i] - '0');
    if (m > (UINT64_MAX - d) / 10) return false;
    m = m * 10 + d;
  }
  if (neg) {
    if (m > static_cast<std::uint64_t>(-(min + 1)) + 1) return false;
    out = m == 0 ? 0 : -static_cast<std::int64_t>(m - 1) - 1;
  } else {
    if (m > static_cast<std::uint64_t>(max)) return false;
    out = static_cast<std::int64_t>(m);
  }
  return true;
}

// strings.TrimSpace for ASCII white space.
std::string trim_space(std::string s) {
  const char* ws = " \t\n\v\f\r";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// Mirrors encoding/json's decodeState: type errors are remembered (the first one is reported
// at the end) while decoding goes on; an error from Quantity.UnmarshalJSON aborts at once.
class Decoder {
 public:
  json decode_root(const json& v, const GoType& t) {
    json out = decode(v, t);
    if (first_error_) throw std::runtime_error(*first_error_);
    return out;
  }

 private:
  void type_error(const std::string& value, const GoType& t) {
    if (first_error_) return;
    if (struct_name_.empty()) {
      first_error_ = "json: cannot unmarshal " + value + " into Go value of type " + t.name;
      return;
    }
    std::string field;
    for (const auto& f : stack_) field += (field.empty() ? "" : ".") + f;
    first_error_ = "json: cannot unmarshal " + value + " into Go struct field " + struct_name_ + "." + field +
                   " of type " + t.name;
  }

  // Returns the decoded value with only modelled fields; null stands for Go's nil/absent.
  json decode(const json& v, const GoType& t) {
    using K = GoType::Kind;
    if (v.is_null()) return nullptr;
    switch (t.kind) {
      case K::String:
        if (v.is_string()) return v;
        type_error(json_kind(v), t);
        return nullptr;
      case K::Bool:
        if (v.is_boolean()) return v;
        type_error(json_kind(v), t);
        return nullptr;
      case K::Int64:
      case K::Int32: {
        if (!v.is_number()) {
          type_error(json_kind(v), t);
          return nullptr;
        }
        const std::string text = number_text(v);
        std::int64_t n = 0;
        const bool is32 = t.kind == K::Int32;
        if (!parse_int(text, is32 ? INT32_MIN : INT64_MIN, is32 ? INT32_MAX : INT64_MAX, n)) {
          type_error("number " + text, t);
          return nullptr;
        }
        return n;
      }
      case K::Quantity: {
        // Quantity.UnmarshalJSON takes any JSON value: quotes stripped, spaces trimmed.
        std::string text = v.is_string() ? v.get<std::string>() : v.is_number() ? number_text(v) : v.dump();
        text = trim_space(std::move(text));
        Quantity::parse(text);
        return text;
      }
      case K::StringMap:
      case K::ResourceList: {
        if (!v.is_object()) {
          type_error(json_kind(v), t);
          return nullptr;
        }
        json out = json::object();
        for (const auto& [key, item] : v.items()) {
          if (t.kind == K::ResourceList) {
            GoType quantity{K::Quantity, "resource.Quantity", "", {}, nullptr};
            json q = decode(item, quantity);
            out[key] = q.is_null() ? json("0") : q;  // null decodes to a zero Quantity
          } else {
            GoType string_type{K::String, "string", "", {}, nullptr};
            json s = decode(item, string_type);
            out[key] = s.is_null() ? json("") : s;
          }
        }
        return out;
      }
      case K::Slice: {
        if (!v.is_array()) {
          type_error(json_kind(v), t);
          return nullptr;
        }
        json out = json::array();
        for (const auto& item : v) {
          json e = decode(item, *t.elem);
          if (e.is_null()) e = t.elem->kind == K::Struct ? json::object() : zero_of(*t.elem);
          out.push_back(std::move(e));
        }
        return out;
      }
      case K::Struct: {
        if (!v.is_object()) {
          type_error(json_kind(v), t);
          return nullptr;
        }
        json out = json::object();
        for (const auto& [key, item] : v.items()) {
          const std::pair<std::string, const GoType*>* field = nullptr;
          for (const auto& f : t.fields) {
            if (f.first == key) field = &f;
          }
          if (field == nullptr) {
            for (const auto& f : t.fields) {
              if (field == nullptr && ascii_iequals(f.first, key)) field = &f;
            }
          }
          if (field == nullptr) continue;
          const std::string saved_struct = struct_name_;
          stack_.push_back(field->first);
          struct_name_ = t.struct_name;
          json decoded = decode(item, *field->second);
          stack_.pop_back();
          struct_name_ = saved_struct;
          if (decoded.is_null()) {
            out.erase(field->first);
          } else {
            out[field->first] = std::move(decoded);
          }
        }
        return out;
      }
    }
    return nullptr;
  }

  static json zero_of(const GoType& t) {
    switch (t.kind) {
      case GoType::Kind::String:
        return "";
      case GoType::Kind::Bool:
        return false;
      case GoType::Kind::Int64:
      case GoType::Kind::Int32:
        return 0;
      case GoType::Kind::Quantity:
        return "0";
      default:
        return nullptr;
    }
  }

  std::vector<std::string> stack_;
  std::string struct_name_;
  std::optional<std::string> first_error_;
};

json decode_pod_template(const json& pod_template_spec) {
  return Decoder().decode_root(pod_template_spec, *Schema::get().pod_template_spec);
}

const json& member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

bool non_empty(const json& v) { return !v.is_null() && !v.empty(); }

// ---------------------------------------------------------------------------------------------
// GenerateReplicaRequirements

json toleration_out(const json& t) {
  json out = json::object();
  for (const char* key : {"key", "operator", "value", "effect"}) {
    const json& s = member(t, key);
    if (s.is_string() && !s.get<std::string>().empty()) out[key] = s;
  }
  if (!member(t, "tolerationSeconds").is_null()) out["tolerationSeconds"] = t["tolerationSeconds"];
  return out;
}

json requirements_out(const json& list) {
  json out = json::array();
  for (const auto& r : list) {
    json o = {{"key", member(r, "key").is_null() ? json("") : r["key"]},
              {"operator", member(r, "operator").is_null() ? json("") : r["operator"]}};
    if (non_empty(member(r, "values"))) o["values"] = r["values"];
    out.push_back(std::move(o));
  }
  return out;
}

json node_selector_out(const json& selector) {
  json out = json::object();
  const json& terms = member(selector, "nodeSelectorTerms");
  if (terms.is_null()) return out;  // Go writes null here, which Lua sees as absent
  json list = json::array();
  for (const auto& term : terms) {
    json t = json::object();
    for (const char* key : {"matchExpressions", "matchFields"}) {
      if (non_empty(member(term, key))) t[key] = requirements_out(term[key]);
    }
    list.push_back(std::move(t));
  }
  out["nodeSelectorTerms"] = std::move(list);
  return out;
}

json node_claim(const json& spec) {
  json claim = json::object();
  if (non_empty(member(spec, "nodeSelector"))) claim["nodeSelector"] = spec["nodeSelector"];
  if (non_empty(member(spec, "tolerations"))) {
    json list = json::array();
    for (const auto& t : spec["tolerations"]) list.push_back(toleration_out(t));
    claim["tolerations"] = std::move(list);
  }
  const json& required =
      member(member(member(spec, "affinity"), "nodeAffinity"), "requiredDuringSchedulingIgnoredDuringExecution");
  if (non_empty(required)) claim["hardNodeAffinity"] = node_selector_out(required);
  return claim;
}

std::int64_t wrapping_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

bool contains(std::string_view s, std::string_view part) { return s.find(part) != s.npos; }

// k8s validation.IsQualifiedName.
bool is_qualified_name(std::string_view value) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  auto dns1123_label = [&](std::string_view label) {
    if (label.empty()) return false;
    auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lower_alnum(label.front()) || !lower_alnum(label.back())) return false;
    for (const char c : label) {
      if (!lower_alnum(c) && c != '-') return false;
    }
    return true;
  };
  std::string_view name = value;
  const auto slash = value.find('/');
  if (slash != value.npos) {
    if (value.find('/', slash + 1) != value.npos) return false;
    const std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty() || prefix.size() > 253) return false;
    std::size_t start = 0;
    while (true) {
      const auto dot = prefix.find('.', start);
      if (!dns1123_label(prefix.substr(start, dot == prefix.npos ? prefix.npos : dot - start))) {
        return false;
      }
      if (dot == prefix.npos) break;
      start = dot + 1;
    }
  }
  if (name.empty() || name.size() > 63) return false;
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  for (const char c : name) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool is_hugepages(std::string_view name) { return name.starts_with("hugepages-"); }

// lifted.IsScalarResourceName: extended, hugepages-*, *kubernetes.io/*, attachable-volumes-*.
bool is_scalar_resource_name(std::string_view name) {
  const bool prefixed_native = contains(name, "kubernetes.io/");
  const bool native = !contains(name, "/") || prefixed_native;
  const bool extended = !native && !name.starts_with("requests.") && is_qualified_name("requests." + std::string(name));
  return extended || is_hugepages(name) || prefixed_native || name.starts_with("attachable-volumes-");
}

// util.Resource: integer totals with Go's int64 wrap-around.
struct Resource {
  std::int64_t milli_cpu = 0;
  std::int64_t memory = 0;
  std::int64_t ephemeral_storage = 0;
  std::int64_t pods = 0;
  std::map<std::string, std::int64_t> scalars;

  std::int64_t* slot(const std::string& name) {
    if (name == "memory") return &memory;
    if (name == "pods") return &pods;
    if (name == "ephemeral-storage") return &ephemeral_storage;
    if (is_scalar_resource_name(name)) return &scalars[name];
    return nullptr;
  }

  static std::int64_t amount(const std::string& name, const json& text) {
    const Quantity q = Quantity::parse(text.get<std::string>());
    return name == "cpu" ? q.milli_value_ceil() : q.value_ceil();
  }

  void add(const json& list) {
    if (!list.is_object()) return;
    for (const auto& [name, text] : list.items()) {
      std::int64_t* s = name == "cpu" ? &milli_cpu : slot(name);
      if (s != nullptr) *s = wrapping_add(*s, amount(name, text));
    }
  }

  void set_max(const json& list) {
    if (!list.is_object()) return;
    for (const auto& [name, text] : list.items()) {
      if (name != "cpu" && name != "memory" && name != "pods" && name != "ephemeral-storage" &&
          !is_scalar_resource_name(name)) {
        continue;
      }
      const std::int64_t v = amount(name, text);
      std::int64_t* s = name == "cpu" ? &milli_cpu : slot(name);
      if (v > *s) *s = v;
    }
  }

  json resource_list() const {
    using F = Quantity::Format;
    json out = json::object();
    if (milli_cpu > 0) out["cpu"] = Quantity::from_milli(milli_cpu, F::DecimalSI).to_string();
    if (memory > 0) out["memory"] = Quantity::from_int(memory, F::BinarySI).to_string();
    if (ephemeral_storage > 0) {
      out["ephemeral-storage"] = Quantity::from_int(ephemeral_storage, F::BinarySI).to_string();
    }
    if (pods > 0) out["pods"] = Quantity::from_int(pods, F::DecimalSI).to_string();
    for (const auto& [name, v] : scalars) {
      if (v > 0) {
        out[name] = Quantity::from_int(v, is_hugepages(name) ? F::BinarySI : F::DecimalSI).to_string();
      }
    }
    return out;
  }
};

// Requests with every limit that has no request copied in (DefaultPodRequests).
json effective_requests(const json& container) {
  const json& resources = member(container, "resources");
  json requests = member(resources, "requests");
  const json& limits = member(resources, "limits");
  if (!limits.is_object()) return requests;
  for (const auto& [name, q] : limits.items()) {
    if (!requests.is_object()) requests = json::object();
    if (!requests.contains(name)) requests[name] = q;
  }
  return requests;
}

json resource_request(const json& spec) {
  Resource total;
  const json& containers = member(spec, "containers");
  if (containers.is_array()) {
    for (const auto& c : containers) total.add(effective_requests(c));
  }
  const json& init_containers = member(spec, "initContainers");
  if (init_containers.is_array()) {
    for (const auto& c : init_containers) total.set_max(effective_requests(c));
  }
  total.add(member(spec, "overhead"));
  return total.resource_list();
}

// ---------------------------------------------------------------------------------------------
// GetDependenciesFromPodTemplate

void add_name(std::set<std::string>& names, const json& name) {
  if (name.is_string() && !name.get<std::string>().empty()) names.insert(name.get<std::string>());
}

template <typename Visit>
void for_each_container(const json& spec, Visit visit) {
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    const json& containers = member(spec, list);
    if (!containers.is_array()) continue;
    for (const auto& c : containers) visit(c);
  }
}

// The container references: envFrom[].<ref>.name and env[].valueFrom.<key_ref>.name.
void container_refs(const json& c, const char* ref, const char* key_ref, std::set<std::string>& names) {
  const json& env_from = member(c, "envFrom");
  if (env_from.is_array()) {
    for (const auto& e : env_from) {
      const json& r = member(e, ref);
      if (!r.is_null()) add_name(names, member(r, "name"));
    }
  }
  const json& env = member(c, "env");
  if (env.is_array()) {
    for (const auto& e : env) {
      const json& r = member(member(e, "valueFrom"), key_ref);
      if (!r.is_null()) add_name(names, member(r, "name"));
    }
  }
}

std::set<std::string> config_map_names(const json& spec) {
  std::set<std::string> names;
  for_each_container(spec, [&](const json& c) { container_refs(c, "configMapRef", "configMapKeyRef", names); });
  const json& volumes = member(spec, "volumes");
  if (!volumes.is_array()) return names;
  for (const auto& v : volumes) {
    // Go visits the first volume source present, projected before configMap.
    if (!member(v, "projected").is_null()) {
      const json& sources = member(v["projected"], "sources");
      if (sources.is_array()) {
        for (const auto& s : sources) {
          if (!member(s, "configMap").is_null()) add_name(names, member(s["configMap"], "name"));
        }
      }
    } else if (!member(v, "configMap").is_null()) {
      add_name(names, member(v["configMap"], "name"));
    }
  }
  return names;
}

std::set<std::string> secret_names(const json& spec) {
  std::set<std::string> names;
  const json& pull = member(spec, "imagePullSecrets");
  if (pull.is_array()) {
    for (const auto& p : pull) add_name(names, member(p, "name"));
  }
  for_each_container(spec, [&](const json& c) { container_refs(c, "secretRef", "secretKeyRef", names); });
  const json& volumes = member(spec, "volumes");
  if (!volumes.is_array()) return names;
  auto secret_ref = [&](const json& source) {
    const json& ref = member(source, "secretRef");
    if (!ref.is_null()) add_name(names, member(ref, "name"));
  };
  for (const auto& v : volumes) {
    // The order of VisitPodSecretNames' switch: only the first source present counts.
    if (!member(v, "azureFile").is_null()) {
      add_name(names, member(v["azureFile"], "secretName"));
    } else if (!member(v, "cephfs").is_null()) {
      secret_ref(v["cephfs"]);
    } else if (!member(v, "cinder").is_null()) {
      secret_ref(v["cinder"]);
    } else if (!member(v, "flexVolume").is_null()) {
      secret_ref(v["flexVolume"]);
    } else if (!member(v, "projected").is_null()) {
      const json& sources = member(v["projected"], "sources");
      if (sources.is_array()) {
        for (const auto& s : sources) {
          if (!member(s, "secret").is_null()) add_name(names, member(s["secret"], "name"));
        }
      }
    } else if (!member(v, "rbd").is_null()) {
      secret_ref(v["rbd"]);
    } else if (!member(v, "secret").is_null()) {
      add_name(names, member(v["secret"], "secretName"));
    } else if (!member(v, "scaleIO").is_null()) {
      secret_ref(v["scaleIO"]);
    } else if (!member(v, "iscsi").is_null()) {
      secret_ref(v["iscsi"]);
    } else if (!member(v, "storageos").is_null()) {
      secret_ref(v["storageos"]);
    } else if (!member(v, "csi").is_null()) {
      const json& ref = member(v["csi"], "nodePublishSecretRef");
      if (!ref.is_null()) add_name(names, member(ref, "name"));
    }
  }
  return names;
}

std::set<std::string> pvc_names(const json& spec) {
  std::set<std::string> names;
  const json& volumes = member(spec, "volumes");
  if (!volumes.is_array()) return names;
  for (const auto& v : volumes) {
    const json& pvc = member(v, "persistentVolumeClaim");
    if (!pvc.is_null()) add_name(names, member(pvc, "claimName"));
  }
  return names;
}

}  // namespace

json accurate_pod_requirements(const json& pod_template_spec) {
  const json tpl = decode_pod_template(pod_template_spec);
  const json& spec = member(tpl, "spec");
  json out = json::object();
  json claim = node_claim(spec);
  if (!claim.empty()) out["nodeClaim"] = std::move(claim);
  json request = resource_request(spec);
  if (!request.empty()) out["resourceRequest"] = std::move(request);
  if (out.empty()) return nullptr;
  return out;
}

json pod_dependencies(const json& pod_template_spec, const std::string& namespace_) {
  const json tpl = decode_pod_template(pod_template_spec);
  const json& spec = member(tpl, "spec");
  std::set<std::string> service_accounts;
  const json& sa = member(spec, "serviceAccountName");
  if (sa.is_string() && sa.get<std::string>() != "default") add_name(service_accounts, sa);

  json out = json::array();
  auto emit = [&](const char* kind, const std::set<std::string>& names) {
    for (const auto& name : names) {
      json ref = {{"apiVersion", "v1"}, {"kind", kind}, {"name", name}};
      if (!namespace_.empty()) ref["namespace"] = namespace_;
      out.push_back(std::move(ref));
    }
  };
  emit("ConfigMap", config_map_names(spec));
  emit("Secret", secret_names(spec));
  emit("ServiceAccount", service_accounts);
  emit("PersistentVolumeClaim", pvc_names(spec));
  if (out.empty()) return nullptr;
  return out;
}

}  // namespace cell0::lua
