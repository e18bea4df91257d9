#include "common/yaml_json.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <charconv>

namespace cell0::common {
namespace {

using nlohmann::json;

// Thrown while converting, from deep inside yaml-cpp's parser too; parse_yaml_documents turns it
// into an Error.
class YamlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

bool one_of(const std::string& s, std::initializer_list<const char*> options) {
  for (const char* o : options) {
    if (s == o) return true;
  }
  return false;
}

// go-yaml v2's resolution of a plain scalar.
json resolve_plain(const std::string& s) {
  if (s.empty() || one_of(s, {"~", "null", "Null", "NULL"})) return nullptr;
  if (one_of(s, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"})) return true;
  if (one_of(s, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"})) return false;
  if (one_of(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) return HUGE_VAL;
  if (one_of(s, {"-.inf", "-.Inf", "-.INF"})) return -HUGE_VAL;
  const char c = s[0];
  if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.')) return s;
  static const std::regex kInt(R"(^[-+]?(0|[1-9][0-9_]*)$)");
  static const std::regex kHex(R"(^[-+]?0x[0-9a-fA-F_]+$)");
  static const std::regex kOct(R"(^[-+]?0[0-7_]+$)");
  static const std::regex kBin(R"(^[-+]?0b[01_]+$)");
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  auto strip = [](std::string t) {
    t.erase(std::remove(t.begin(), t.end(), '_'), t.end());
    return t;
  };
  auto as_int = [&](const std::string& digits, int base) -> json {
    std::string t = strip(digits);
    bool neg = false;
    if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
      neg = t[0] == '-';
      t.erase(0, 1);
    }
    if (base == 16 || base == 2) t.erase(0, 2);
    errno = 0;
    const unsigned long long v = std::strtoull(t.c_str(), nullptr, base);
    if (errno == ERANGE) return std::strtod(s.c_str(), nullptr);
    if (neg) {
      if (v > 9223372036854775808ULL) return -static_cast<double>(v);
      return v == 9223372036854775808ULL ? INT64_MIN : -static_cast<std::int64_t>(v);
    }
    if (v > static_cast<unsigned long long>(INT64_MAX)) return static_cast<std::uint64_t>(v);
    return static_cast<std::int64_t>(v);
  };
  if (std::regex_match(s, kInt)) return as_int(s, 10);
  if (std::regex_match(s, kHex)) return as_int(s, 16);
  if (std::regex_match(s, kBin)) return as_int(s, 2);
  if (std::regex_match(s, kOct)) return as_int(s, 8);
  if (std::regex_match(s, kFloat)) return std::strtod(strip(s).c_str(), nullptr);
  return s;
}

json to_json(const YAML::Node& node, int depth) {
  if (depth > 512) throw YamlError("document is nested deeper than 512 levels");
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      // "!" is the tag of a quoted scalar, "?" of a plain one.
      if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return s;
      if (node.Tag() == "?") return resolve_plain(s);
      return s;
    }
    case YAML::NodeType::Sequence: {
      json arr = json::array();
      for (const auto& e : node) arr.push_back(to_json(e, depth + 1));
      return arr;
    }
    case YAML::NodeType::Map: {
      json obj = json::object();
      for (const auto& kv : node) {
        const json key = to_json(kv.first, depth + 1);
        std::string k;
        if (key.is_string()) {
          k = key.get<std::string>();
        } else if (key.is_null()) {
          k = "null";
        } else {
          k = kv.first.Scalar();
        }
        obj[k] = to_json(kv.second, depth + 1);
      }
      return obj;
    }
  }
  return nullptr;
}

bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  if (!resolve_plain(s).is_string()) return true;
  static const std::string kSpecial = ":#{}[],&*!|>'\"%@`";
  if (kSpecial.find(s[0]) != std::string::npos || s[0] == '-' || s[0] == '?' || s[0] == ' ' || s.back() == ' ') {
    return true;
  }
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return true;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

std::string number_text(const json& v) {
  if (!v.is_number_float()) return v.dump();
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v.get<double>());
  return std::string(buf, r.ptr);
}

void emit(YAML::Emitter& out, const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [k, e] : v.items()) {
        out << YAML::Key;
        if (needs_quotes(k)) out << YAML::DoubleQuoted;
        out << k << YAML::Value;
        emit(out, e);
      }
      out << YAML::EndMap;
      return;
    case json::value_t::array:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& e : v) emit(out, e);
      out << YAML::EndSeq;
      return;
    case json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (needs_quotes(s)) out << YAML::DoubleQuoted;
      out << s;
      return;
    }
    case json::value_t::null:
      out << YAML::Null;
      return;
    case json::value_t::boolean:
      out << (v.get<bool>() ? "true" : "false");
      return;
    default:
      out << number_text(v);
      return;
  }
}

}  // namespace

namespace {

// yaml-cpp 0.7 (Debian 12) never returns from YAML::LoadAll when a token cannot start a node
// where a document should begin, e.g. the ',' in `[a, b],`, `"a",` or a document that starts
// with ',': each pass leaves the token where it is and yields another empty document, allocating
// until the process runs out of memory. Such a text is invalid YAML, so a first pass drives the
// parser with a handler that only watches documents begin, and refuses the text as soon as one
// begins where the previous one did. Found by tests/fuzz/fuzz_customization.
class ProgressWatch : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (mark.pos == last_start_) {
      throw YamlError("line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) +
                      ": unexpected token where a document should begin");
    }
    last_start_ = mark.pos;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  int last_start_ = -1;
};

void refuse_yaml_cpp_hang(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  ProgressWatch watch;
  while (parser.HandleNextDocument(watch)) {
  }
}

}  // namespace

Result<std::vector<json>> parse_yaml_documents(const std::string& text) {
  std::vector<json> docs;
  try {
    refuse_yaml_cpp_hang(text);
    for (const auto& node : YAML::LoadAll(text)) {
      json doc = to_json(node, 0);
      if (!doc.is_null()) docs.push_back(std::move(doc));
    }
  } catch (const YAML::Exception& e) {
    return Error{ErrorKind::Invalid, e.mark.is_null() ? e.msg
                                                      : "line " + std::to_string(e.mark.line + 1) + ", column " +
                                                            std::to_string(e.mark.column + 1) + ": " + e.msg};
  } catch (const YamlError& e) {
    return Error{ErrorKind::Invalid, e.what()};
  }
  return docs;
}

Result<std::vector<json>> load_yaml_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorKind::Io, path.string() + ": cannot read file"};
  std::ostringstream ss;
  ss << in.rdbuf();
  auto docs = parse_yaml_documents(ss.str());
  if (!docs) return docs.error().with_prefix(path.string() + ": ");
  return docs;
}

Result<json> load_single_object(const std::filesystem::path& path) {
  auto docs = load_yaml_file(path);
  if (!docs) return docs.error();
  if (docs->size() != 1 || !(*docs)[0].is_object()) {
    return Error{ErrorKind::Invalid,
                 path.string() + ": expected exactly one object, found " + std::to_string(docs->size()) + " documents"};
  }
  return std::move((*docs)[0]);
}

std::string to_yaml(const json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace cell0::common
