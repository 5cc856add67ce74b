#include "ntf/common/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

extern char** environ;  // NOLINT: POSIX; read only by ProcessEnvironment().

namespace ntf::common {

Environment ProcessEnvironment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

namespace config_internal {
namespace {

bool ValidPathComponent(absl::string_view c) {
  if (c.empty()) return false;
  for (char ch : c) {
    if (!(absl::ascii_islower(ch) || absl::ascii_isdigit(ch) || ch == '_')) return false;
  }
  return true;
}

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kString:
      return "a string";
    case Kind::kInt:
      return "an integer";
    case Kind::kBool:
      return "a boolean (true or false)";
    case Kind::kDouble:
      return "a number";
    case Kind::kDuration:
      return "a duration such as 30s, 5m or 250ms";
    case Kind::kStringList:
      return "a list of strings";
    case Kind::kEnum:
      return "one of the listed names";
  }
  return "a value";
}

// Parses one scalar's text as the field's type. The message does not name the key; the caller
// adds where the text came from.
absl::StatusOr<Value> ParseScalar(const FieldSpec& spec, std::string_view text) {
  auto type_error = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", std::string(KindName(spec.kind)), ", got ", Quoted(text)));
  };
  const std::string s(text);
  Value out;
  switch (spec.kind) {
    case Kind::kString:
      out.str = s;
      return out;
    case Kind::kInt:
      if (!absl::SimpleAtoi(s, &out.integer)) return type_error();
      if (out.integer < spec.min_int || out.integer > spec.max_int) {
        return absl::InvalidArgumentError(
            absl::StrCat(out.integer, " is out of range [", spec.min_int, ", ", spec.max_int, "]"));
      }
      return out;
    case Kind::kBool: {
      const std::string lower = absl::AsciiStrToLower(s);
      if (lower == "true" || lower == "yes" || lower == "on" || lower == "1") {
        out.boolean = true;
      } else if (!(lower == "false" || lower == "no" || lower == "off" || lower == "0")) {
        return type_error();
      }
      return out;
    }
    case Kind::kDouble:
      if (!absl::SimpleAtod(s, &out.number) || !std::isfinite(out.number)) return type_error();
      return out;
    case Kind::kDuration:
      if (!absl::ParseDuration(std::string(absl::StripAsciiWhitespace(s)), &out.duration) ||
          out.duration == absl::InfiniteDuration() || out.duration < absl::ZeroDuration()) {
        return type_error();
      }
      return out;
    case Kind::kStringList:
      // Only the environment spells lists as scalars: comma-separated, blanks trimmed.
      if (absl::StripAsciiWhitespace(s).empty()) return out;
      for (absl::string_view item : absl::StrSplit(s, ',')) {
        out.list.emplace_back(absl::StripAsciiWhitespace(item));
      }
      return out;
    case Kind::kEnum:
      for (const std::string& name : spec.enum_names) {
        if (name == text) {
          out.str = name;
          return out;
        }
      }
      return absl::InvalidArgumentError(absl::StrCat(
          "expected one of ", absl::StrJoin(spec.enum_names, ", "), "; got ", Quoted(text)));
  }
  return type_error();
}

std::string RenderValue(const FieldSpec& spec, const Value& value, int indent) {
  switch (spec.kind) {
    case Kind::kString:
      return Quoted(value.str);
    case Kind::kEnum:
      return value.str;
    case Kind::kInt:
      return absl::StrCat(value.integer);
    case Kind::kBool:
      return value.boolean ? "true" : "false";
    case Kind::kDouble: {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value.number);
      return ec == std::errc() ? std::string(buf, end) : "0";
    }
    case Kind::kDuration:
      return absl::FormatDuration(value.duration);
    case Kind::kStringList: {
      const auto& items = value.list;
      if (items.empty()) return "[]";
      std::string out;
      for (const std::string& item : items) {
        absl::StrAppend(&out, "\n", std::string(indent + 2, ' '), "- ", Quoted(item));
      }
      return out;
    }
  }
  return "";
}

// "file.yaml:12: " for a node with a position, "file.yaml: " otherwise.
std::string Where(std::string_view source, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return absl::StrCat(std::string(source), ": ");
  return absl::StrCat(std::string(source), ":", mark.line + 1, ": ");
}

class YamlApplier {
 public:
  YamlApplier(const std::vector<FieldSpec>& fields, std::string_view source, void* obj)
      : fields_(fields), source_(source), obj_(obj) {}

  absl::Status ApplyMapping(const YAML::Node& node, const std::string& prefix) {
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      const YAML::Node& value = entry.second;
      if (!key.IsScalar()) {
        return absl::InvalidArgumentError(
            absl::StrCat(Where(source_, key), "config keys must be plain strings",
                         prefix.empty() ? "" : absl::StrCat(" (in section \"", prefix, "\")")));
      }
      std::string path = prefix.empty() ? key.Scalar() : absl::StrCat(prefix, ".", key.Scalar());
      if (absl::StrContains(key.Scalar(), '.')) {
        return absl::InvalidArgumentError(
            absl::StrCat(Where(source_, key), "unknown config key \"", path,
                         "\" (write sections as nested mappings, not dotted keys)"));
      }
      if (!seen_.insert(path).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(Where(source_, key), "duplicate config key \"", path, "\""));
      }
      if (const FieldSpec* spec = FindField(path)) {
        absl::Status status = ApplyField(*spec, value);
        if (!status.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(Where(source_, value), "config key \"", path, "\": ", status.message()));
        }
      } else if (IsSection(path)) {
        if (value.IsNull()) continue;  // "database:" with nothing under it.
        if (!value.IsMap()) {
          return absl::InvalidArgumentError(absl::StrCat(
              Where(source_, value), "config key \"", path, "\" is a section: expected a mapping"));
        }
        absl::Status status = ApplyMapping(value, path);
        if (!status.ok()) return status;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat(Where(source_, key), "unknown config key \"", path, "\""));
      }
    }
    return absl::OkStatus();
  }

 private:
  const FieldSpec* FindField(const std::string& path) const {
    for (const FieldSpec& f : fields_) {
      if (f.path == path) return &f;
    }
    return nullptr;
  }

  bool IsSection(const std::string& path) const {
    const std::string dotted = path + ".";
    for (const FieldSpec& f : fields_) {
      if (absl::StartsWith(f.path, dotted)) return true;
    }
    return false;
  }

  absl::Status ApplyField(const FieldSpec& spec, const YAML::Node& value) {
    if (spec.kind == Kind::kStringList) {
      if (!value.IsSequence()) {
        return absl::InvalidArgumentError("expected a list of strings (a YAML sequence)");
      }
      Value items;
      for (const auto& item : value) {
        if (!item.IsScalar()) return absl::InvalidArgumentError("list items must be strings");
        items.list.push_back(item.Scalar());
      }
      spec.set(obj_, std::move(items));
      return absl::OkStatus();
    }
    if (value.IsNull()) {
      return absl::InvalidArgumentError(
          absl::StrCat("has no value; expected ", std::string(KindName(spec.kind))));
    }
    if (!value.IsScalar()) {
      return absl::InvalidArgumentError(absl::StrCat("expected ", std::string(KindName(spec.kind)),
                                                     ", got a ",
                                                     value.IsMap() ? "mapping" : "sequence"));
    }
    absl::StatusOr<Value> parsed = ParseScalar(spec, value.Scalar());
    if (!parsed.ok()) return parsed.status();
    spec.set(obj_, *std::move(parsed));
    return absl::OkStatus();
  }

  const std::vector<FieldSpec>& fields_;
  std::string_view source_;
  void* obj_;
  std::set<std::string> seen_;
};

struct RenderNode {
  std::string name;
  int field = -1;  // Index into fields_ for a leaf.
  std::vector<RenderNode> children;
};

}  // namespace

SchemaCore::SchemaCore(std::string service) : service_(std::move(service)) {}

void SchemaCore::AddField(FieldSpec spec) {
  if (!schema_error_.empty()) return;
  for (absl::string_view c : absl::StrSplit(spec.path, '.')) {
    if (!ValidPathComponent(c)) {
      schema_error_ = absl::StrCat("invalid config path \"", spec.path,
                                   "\": components must be non-empty [a-z0-9_]");
      return;
    }
  }
  for (const FieldSpec& f : fields_) {
    if (f.path == spec.path || absl::StartsWith(f.path, spec.path + ".") ||
        absl::StartsWith(spec.path, f.path + ".")) {
      schema_error_ =
          absl::StrCat("config path \"", spec.path, "\" conflicts with \"", f.path, "\"");
      return;
    }
  }
  fields_.push_back(std::move(spec));
}

void SchemaCore::AddValidator(Validator validator) { validators_.push_back(std::move(validator)); }

void SchemaCore::AddSection(std::string_view prefix, const SchemaCore& sub,
                            const std::function<void*(void*)>& member,
                            const std::function<const void*(const void*)>& const_member) {
  if (!sub.schema_error_.empty() && schema_error_.empty()) schema_error_ = sub.schema_error_;
  const std::string p(prefix);
  std::vector<std::string> keys;  // The section's own keys, "url: ..." style.
  for (const FieldSpec& f : sub.fields_) keys.push_back(absl::StrCat(f.path, ":"));
  for (const FieldSpec& f : sub.fields_) {
    FieldSpec spec = f;
    spec.path = absl::StrCat(p, ".", f.path);
    spec.set = [set = f.set, member](void* obj, Value v) { set(member(obj), std::move(v)); };
    spec.get = [get = f.get, const_member](const void* obj) { return get(const_member(obj)); };
    AddField(std::move(spec));
  }
  for (const Validator& v : sub.validators_) {
    validators_.push_back([v, const_member, p, keys](const void* obj) -> absl::Status {
      absl::Status status = v(const_member(obj));
      if (status.ok()) return status;
      // "pool_size: must be 1..256" names a key of the section: report it under the full key,
      // "database.pool_size: must be 1..256". Anything else gets the section as a prefix.
      for (const std::string& key : keys) {
        if (absl::StartsWith(status.message(), key)) {
          return absl::Status(status.code(), absl::StrCat(p, ".", status.message()));
        }
      }
      return absl::Status(status.code(), absl::StrCat(p, ": ", status.message()));
    });
  }
}

std::string SchemaCore::EnvName(std::string_view path) const {
  std::string name = absl::StrCat("NTF_", service_, "_", std::string(path));
  for (char& c : name) {
    c = (c == '.' || c == '-') ? '_' : absl::ascii_toupper(static_cast<unsigned char>(c));
  }
  return name;
}

absl::Status SchemaCore::ApplyYaml(std::string_view yaml, std::string_view source,
                                   void* obj) const {
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(std::string(yaml));
    if (docs.empty() || docs[0].IsNull()) return absl::OkStatus();
    if (docs.size() > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(source), ": expected one YAML document, found ", docs.size()));
    }
    if (!docs[0].IsMap()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(source, docs[0]), "the config must be a YAML mapping of keys"));
    }
    YamlApplier applier(fields_, source, obj);
    return applier.ApplyMapping(docs[0], "");
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(source), ":", e.mark.line + 1, ":",
                                                   e.mark.column + 1, ": ", e.msg));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(source), ": ", e.what()));
  }
}

absl::Status SchemaCore::ApplyEnvironment(const Environment& env, void* obj) const {
  if (service_.empty()) return absl::OkStatus();
  std::map<std::string, const FieldSpec*> by_name;
  for (const FieldSpec& f : fields_) {
    auto [it, inserted] = by_name.emplace(EnvName(f.path), &f);
    if (!inserted) {
      return absl::InternalError(absl::StrCat("config paths \"", it->second->path, "\" and \"",
                                              f.path, "\" share environment variable ", it->first));
    }
  }
  const std::string prefix = EnvName("");
  for (auto it = env.lower_bound(prefix); it != env.end() && absl::StartsWith(it->first, prefix);
       ++it) {
    auto field = by_name.find(it->first);
    if (field == by_name.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown environment variable ", it->first, ": no config key maps to it"));
    }
    absl::StatusOr<Value> parsed = ParseScalar(*field->second, it->second);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("environment variable ", it->first,
                                                     " (config key \"", field->second->path,
                                                     "\"): ", parsed.status().message()));
    }
    field->second->set(obj, *std::move(parsed));
  }
  return absl::OkStatus();
}

absl::Status SchemaCore::LoadYaml(std::string_view yaml, std::string_view source,
                                  const Environment& env, void* obj) const {
  if (!schema_error_.empty()) return absl::InternalError(schema_error_);
  absl::Status status = ApplyYaml(yaml, source, obj);
  if (!status.ok()) return status;
  status = ApplyEnvironment(env, obj);
  if (!status.ok()) return status;
  return Validate(obj);
}

absl::Status SchemaCore::Validate(const void* obj) const {
  if (!schema_error_.empty()) return absl::InternalError(schema_error_);
  for (const Validator& v : validators_) {
    absl::Status status = v(obj);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status SchemaCore::LoadFile(const std::string& path, const Environment& env,
                                  void* obj) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    std::string message = absl::StrCat("cannot read config file ", path, ": ", strerror(err));
    return err == ENOENT ? absl::NotFoundError(message) : absl::InvalidArgumentError(message);
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::InvalidArgumentError(absl::StrCat("error reading ", path));
  return LoadYaml(text.str(), path, env, obj);
}

std::string SchemaCore::Render(const void* obj, bool example) const {
  RenderNode root;
  for (size_t i = 0; i < fields_.size(); ++i) {
    RenderNode* node = &root;
    for (absl::string_view c : absl::StrSplit(fields_[i].path, '.')) {
      auto it = std::find_if(node->children.begin(), node->children.end(),
                             [&](const RenderNode& n) { return n.name == c; });
      if (it == node->children.end()) {
        node->children.push_back(RenderNode{.name = std::string(c), .field = -1, .children = {}});
        it = node->children.end() - 1;
      }
      node = &*it;
    }
    node->field = static_cast<int>(i);
  }

  std::string out;
  if (example) {
    const std::string service = service_.empty() ? "service" : service_;
    absl::StrAppend(&out, "# ntf-", service,
                    " configuration. Every key is optional; the values shown are the defaults.\n");
    if (!service_.empty() && !fields_.empty()) {
      absl::StrAppend(&out, "# Environment variables override the file: ", EnvName("<KEY>"),
                      ", the key path upper-cased with\n# dots as underscores (", fields_[0].path,
                      " is ", EnvName(fields_[0].path), "); lists are comma-separated.\n");
    }
    absl::StrAppend(&out, "# Durations are written like 30s, 5m, 250ms or 1h30m.\n");
  }

  std::function<void(const RenderNode&, int)> render = [&](const RenderNode& node, int depth) {
    const std::string indent(2 * depth, ' ');
    for (size_t i = 0; i < node.children.size(); ++i) {
      const RenderNode& child = node.children[i];
      if ((depth == 0 && !out.empty()) || i > 0) out += "\n";
      if (child.field < 0) {
        absl::StrAppend(&out, indent, child.name, ":\n");
        render(child, depth + 1);
        continue;
      }
      const FieldSpec& spec = fields_[child.field];
      for (absl::string_view line : absl::StrSplit(spec.help, '\n')) {
        absl::StrAppend(&out, indent, "#", line.empty() ? "" : " ", line, "\n");
      }
      if (spec.kind == Kind::kEnum) {
        absl::StrAppend(&out, indent, "# One of: ", absl::StrJoin(spec.enum_names, ", "), ".\n");
      }
      if (!service_.empty()) absl::StrAppend(&out, indent, "# env: ", EnvName(spec.path), "\n");
      std::string value = RenderValue(spec, spec.get(obj), 2 * depth);
      absl::StrAppend(&out, indent, child.name, ":", value[0] == '\n' ? "" : " ", value, "\n");
    }
  };
  render(root, 0);
  return out;
}

}  // namespace config_internal
}  // namespace ntf::common
