#pragma once

// Binding a YAML config file (plus environment overrides) to a plain config struct.
//
// A service describes its config struct once, field by field:
//
//   struct IntakeConfig {
//     std::string database_url = "postgresql:///ntf";  // PostgreSQL connection URL.
//     int listen_port = 443;                           // TLS port for NTF clients.
//     absl::Duration drain_timeout = absl::Seconds(20);  // Grace period on SIGTERM.
//     absl::Status Validate() const;                   // Optional; called after loading.
//   };
//
//   ConfigSchema<IntakeConfig> IntakeConfigSchema() {
//     return ConfigSchema<IntakeConfig>("intake")
//         .Field("database.url", &IntakeConfig::database_url, "PostgreSQL connection URL.")
//         .Field("listen.port", &IntakeConfig::listen_port, "TLS port for NTF clients.")
//         .Field("drain_timeout", &IntakeConfig::drain_timeout, "Grace period on SIGTERM.");
//   }
//
//   absl::StatusOr<IntakeConfig> config =
//       IntakeConfigSchema().LoadFile("intake.yaml", ProcessEnvironment());
//
// Loading starts from a default-constructed T (so the struct's member initializers are the
// defaults), applies the YAML file, then environment overrides, then validation:
//
//   * Dotted paths are YAML sections: "database.url" is `database: {url: ...}`.
//   * Any key the schema does not know, at any depth, is an error naming the full path:
//     `unknown config key "listen.prot"`. So are duplicate keys and type errors
//     (`config key "listen.port": expected an integer, got "abc"`).
//   * Types: std::string, any integer type (range-checked), bool (true/false, yes/no, on/off,
//     1/0), double, absl::Duration ("30s", "5m", "250ms", "1h30m"; finite and >= 0),
//     std::vector<std::string> (a YAML sequence; in the environment, comma-separated), and
//     enums through EnumField() with a name table.
//   * Environment: NTF_<SERVICE>_<PATH> with dots turned into underscores, upper case
//     ("database.url" of service "intake" is NTF_INTAKE_DATABASE_URL). A variable with the
//     service prefix that matches no field is an error, so typos do not pass silently.
//   * Validation: `absl::Status T::Validate() const`, if T has one, then every Check() callback,
//     in registration order. Section() schemas bring their own validation along; an error that
//     starts with one of the section's keys ("pool_size: must be 1..256") is reported under the
//     full key ("database.pool_size: must be 1..256"), any other gets the section as a prefix
//     ("admin: ...").
//
// All loading errors are InvalidArgument (NotFound when the file is missing); nothing throws.
// A ConfigSchema is built once at start-up and is then immutable: const methods are
// thread-safe. Registering a bad or duplicate path is a programming error that Load*() reports
// as Internal.

#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ntf::common {

// Environment variables as name → value. Passed explicitly so that tests control it and no code
// calls getenv() behind the caller's back.
using Environment = std::map<std::string, std::string, std::less<>>;

// A snapshot of the process environment (environ). Call it once, from main.
Environment ProcessEnvironment();

namespace config_internal {

enum class Kind { kString, kInt, kBool, kDouble, kDuration, kStringList, kEnum };

// A field value in transit between the parser and the struct; `kind` says which member is
// meant. (A plain struct rather than std::variant: gcc 12 reports false -Wmaybe-uninitialized
// for variants holding a vector at -O2.)
struct Value {
  std::string str;  // kString and kEnum (the name).
  int64_t integer = 0;
  bool boolean = false;
  double number = 0;
  absl::Duration duration;
  std::vector<std::string> list;
};

// One registered field, type-erased: `set`/`get` receive a pointer to the config struct.
struct FieldSpec {
  std::string path;
  std::string help;
  Kind kind = Kind::kString;
  int64_t min_int = 0;                  // kInt only.
  int64_t max_int = 0;                  // kInt only.
  std::vector<std::string> enum_names;  // kEnum only; the value travels as its name.
  std::function<void(void* obj, Value value)> set;
  std::function<Value(const void* obj)> get;
};

using Validator = std::function<absl::Status(const void* obj)>;

// The non-template part of ConfigSchema<T>; it owns all YAML handling.
class SchemaCore {
 public:
  explicit SchemaCore(std::string service);

  void AddField(FieldSpec spec);
  void AddValidator(Validator validator);
  // Adds every field and validator of `sub` under `prefix`; `member` maps the outer struct to
  // the inner one.
  void AddSection(std::string_view prefix, const SchemaCore& sub,
                  const std::function<void*(void*)>& member,
                  const std::function<const void*(const void*)>& const_member);

  absl::Status LoadYaml(std::string_view yaml, std::string_view source, const Environment& env,
                        void* obj) const;
  absl::Status LoadFile(const std::string& path, const Environment& env, void* obj) const;
  absl::Status Validate(const void* obj) const;
  std::string Render(const void* obj, bool example) const;

 private:
  absl::Status ApplyYaml(std::string_view yaml, std::string_view source, void* obj) const;
  absl::Status ApplyEnvironment(const Environment& env, void* obj) const;
  std::string EnvName(std::string_view path) const;

  std::string service_;
  std::vector<FieldSpec> fields_;
  std::vector<Validator> validators_;
  std::string schema_error_;  // First registration error, reported by every Load*().
};

}  // namespace config_internal

template <typename T>
concept HasValidate = requires(const T& t) {
  { t.Validate() } -> std::convertible_to<absl::Status>;
};

template <typename T>
class ConfigSchema {
 public:
  // `service` sets the environment prefix ("intake" → NTF_INTAKE_). Leave it empty for a
  // schema that is only used through Section() (environment overrides then come from the
  // outer schema).
  explicit ConfigSchema(std::string service = "") : core_(std::move(service)) {
    if constexpr (HasValidate<T>) {
      core_.AddValidator(
          [](const void* obj) -> absl::Status { return static_cast<const T*>(obj)->Validate(); });
    }
  }

  ConfigSchema& Field(std::string path, std::string T::*member, std::string help) {
    return Add<std::string>(std::move(path), member, std::move(help), Kind::kString);
  }
  ConfigSchema& Field(std::string path, bool T::*member, std::string help) {
    return Add<bool>(std::move(path), member, std::move(help), Kind::kBool);
  }
  ConfigSchema& Field(std::string path, double T::*member, std::string help) {
    return Add<double>(std::move(path), member, std::move(help), Kind::kDouble);
  }
  ConfigSchema& Field(std::string path, absl::Duration T::*member, std::string help) {
    return Add<absl::Duration>(std::move(path), member, std::move(help), Kind::kDuration);
  }
  ConfigSchema& Field(std::string path, std::vector<std::string> T::*member, std::string help) {
    return Add<std::vector<std::string>>(std::move(path), member, std::move(help),
                                         Kind::kStringList);
  }
  // Any integer type whose range fits in int64_t; values outside the type's range are errors.
  template <std::integral I>
  requires(!std::same_as<I, bool> &&
           std::cmp_less_equal(std::numeric_limits<I>::max(), std::numeric_limits<int64_t>::max()))
      ConfigSchema& Field(std::string path, I T::*member, std::string help) {
    config_internal::FieldSpec spec{
        .path = std::move(path),
        .help = std::move(help),
        .kind = Kind::kInt,
        .min_int = static_cast<int64_t>(std::numeric_limits<I>::min()),
        .max_int = static_cast<int64_t>(std::numeric_limits<I>::max()),
        .enum_names = {},
        .set =
            [member](void* obj, config_internal::Value v) {
              static_cast<T*>(obj)->*member = static_cast<I>(v.integer);
            },
        .get =
            [member](const void* obj) {
              config_internal::Value v;
              v.integer = static_cast<int64_t>(static_cast<const T*>(obj)->*member);
              return v;
            },
    };
    core_.AddField(std::move(spec));
    return *this;
  }

  // An enum (or any type) spelled in the file as one of the names in `names`. Rendering a value
  // that is not in the table renders the first name.
  template <typename E>
  ConfigSchema& EnumField(std::string path, E T::*member, std::string help,
                          std::vector<std::pair<std::string, E>> names) {
    config_internal::FieldSpec spec{
        .path = std::move(path),
        .help = std::move(help),
        .kind = Kind::kEnum,
        .min_int = 0,
        .max_int = 0,
        .enum_names = {},
        .set = {},
        .get = {},
    };
    for (const auto& [name, value] : names) spec.enum_names.push_back(name);
    spec.set = [member, names](void* obj, config_internal::Value v) {
      for (const auto& [n, value] : names) {
        if (n == v.str) static_cast<T*>(obj)->*member = value;
      }
    };
    spec.get = [member, names](const void* obj) {
      config_internal::Value v;
      if (!names.empty()) v.str = names.front().first;
      for (const auto& [n, value] : names) {
        if (value == static_cast<const T*>(obj)->*member) {
          v.str = n;
          break;
        }
      }
      return v;
    };
    core_.AddField(std::move(spec));
    return *this;
  }

  // Embeds the fields of another schema under `prefix` ("database" + "url" → "database.url"),
  // bound to the member struct `member`. Lets libraries ship a reusable section (e.g. the admin
  // server's options, pg::DatabaseConfig) that services include in their own config. The outer
  // schema may add keys of its own inside the section ("database.secret_key_file").
  template <typename S>
  ConfigSchema& Section(std::string_view prefix, S T::*member, const ConfigSchema<S>& sub) {
    core_.AddSection(
        prefix, sub.core_,
        [member](void* obj) -> void* { return &(static_cast<T*>(obj)->*member); },
        [member](const void* obj) -> const void* {
          return &(static_cast<const T*>(obj)->*member);
        });
    return *this;
  }

  // A validation step run after the file and the environment are applied.
  ConfigSchema& Check(std::function<absl::Status(const T&)> check) {
    core_.AddValidator(
        [check = std::move(check)](const void* obj) { return check(*static_cast<const T*>(obj)); });
    return *this;
  }

  // Runs the validation steps of Load*() (T::Validate(), the sections', the Check()s) on a
  // struct built in code, e.g. one about to be Render()ed.
  absl::Status Validate(const T& config) const { return core_.Validate(&config); }

  // Reads and applies the YAML file at `path`. NotFound if it does not exist.
  absl::StatusOr<T> LoadFile(const std::string& path, const Environment& env) const {
    T config{};
    absl::Status status = core_.LoadFile(path, env, &config);
    if (!status.ok()) return status;
    return config;
  }

  // LoadFile(path, env), or, when `path` is empty, the defaults plus the environment (a service
  // started without --config).
  absl::StatusOr<T> Load(const std::string& path, const Environment& env) const {
    if (path.empty()) return LoadYaml("", env);
    return LoadFile(path, env);
  }

  // Applies YAML text (an empty document means "all defaults").
  absl::StatusOr<T> LoadYaml(std::string_view yaml, const Environment& env) const {
    T config{};
    absl::Status status = core_.LoadYaml(yaml, "<yaml>", env, &config);
    if (!status.ok()) return status;
    return config;
  }

  // Renders `config` as YAML with each field's help as a comment; the output loads back to an
  // equal struct.
  std::string Render(const T& config) const { return core_.Render(&config, false); }
  // Renders the defaults, with a header explaining the file and the environment overrides:
  // the content of config/<service>.example.yaml.
  std::string RenderExample() const {
    T defaults{};
    return core_.Render(&defaults, true);
  }

 private:
  template <typename S>
  friend class ConfigSchema;
  using Kind = config_internal::Kind;

  // The Value member that carries a V.
  template <typename V>
  static V& Slot(config_internal::Value& v) {
    if constexpr (std::is_same_v<V, std::string>) return v.str;
    if constexpr (std::is_same_v<V, bool>) return v.boolean;
    if constexpr (std::is_same_v<V, double>) return v.number;
    if constexpr (std::is_same_v<V, absl::Duration>) return v.duration;
    if constexpr (std::is_same_v<V, std::vector<std::string>>) return v.list;
  }

  template <typename V>
  ConfigSchema& Add(std::string path, V T::*member, std::string help, Kind kind) {
    config_internal::FieldSpec spec{
        .path = std::move(path),
        .help = std::move(help),
        .kind = kind,
        .min_int = 0,
        .max_int = 0,
        .enum_names = {},
        .set =
            [member](void* obj, config_internal::Value v) {
              static_cast<T*>(obj)->*member = std::move(Slot<V>(v));
            },
        .get =
            [member](const void* obj) {
              config_internal::Value v;
              Slot<V>(v) = static_cast<const T*>(obj)->*member;
              return v;
            },
    };
    core_.AddField(std::move(spec));
    return *this;
  }

  config_internal::SchemaCore core_;
};

}  // namespace ntf::common
