// The KubeBlocks Cluster field table (../shared/reference/kubeblocks-cluster-fields.txt): field
// paths and types per API version, a sample object with every field, and the check of a field
// path a script reads or writes against it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cell0::test {

// One API version's table: ".spec.componentSpecs[].name" -> "string", enum values kept.
struct FieldTable {
  std::map<std::string, std::string> types;  // path -> the text after "path: "

  // How a path of concrete segments ("spec", "componentSpecs", "[]", "name"; map keys as they
  // are) stands in the table.
  enum class Verdict { Known, Opaque, Unknown };
  struct Check {
    Verdict verdict;
    std::string path;  // the table's spelling (".status.components.<key>.phase"), or the first unknown
  };
  Check check(const std::vector<std::string>& segments) const;

  // An object holding every field of the table. `variant` 0 picks true and the enum value
  // "Running" (else the first), variant 1 picks false and the last enum value.
  nlohmann::json sample(int variant) const;

 private:
  bool has_children(const std::string& path) const;
  bool listed(const std::string& path) const;
};

// The tables of kubeblocks-cluster-fields.txt by API version ("v1", "v1alpha1").
std::map<std::string, FieldTable> load_field_tables(const std::string& file);

}  // namespace cell0::test
