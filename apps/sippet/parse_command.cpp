// `sippet parse [FILE|-]`: parses and validates one SIP message and prints it
// as JSON (the schema is docs/parse-json.md).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "json_writer.hpp"
#include "sippet/message/parser.hpp"
#include "sippet/message/validate.hpp"

namespace sippet::app {

namespace {

namespace msg = sippet::message;
using msg::HeaderId;

constexpr std::string_view kUsage =
    "usage: sippet parse [FILE|-]\n"
    "  Parses one SIP message (RFC 3261) from FILE, or from stdin when FILE\n"
    "  is '-' or absent, validates it, and prints it as JSON on stdout.\n"
    "  Exit status: 0 valid, 1 unreadable/invalid message, 2 bad usage.\n";

// Larger inputs are refused by the parser (kTooLarge) with a clear error.
constexpr std::size_t kReadLimit = 16 * 1024 * 1024;

bool read_all(std::FILE* in, std::string& out) {
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, in)) > 0) {
    out.append(buf, n);
    if (out.size() > kReadLimit) break;
  }
  return !std::ferror(in);
}

// LWS with a line break (folding, §7.3.1) reads as one space.
std::string unfold(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size();) {
    if (v[i] != '\r' && v[i] != '\n') {
      out.push_back(v[i++]);
      continue;
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t'))
      out.pop_back();
    while (i < v.size() && (v[i] == '\r' || v[i] == '\n' || v[i] == ' ' || v[i] == '\t'))
      ++i;
    out.push_back(' ');
  }
  return out;
}

// A quoted-string's content (§25.1: quoted-pair resolved); other text unfolded.
std::string unquote(std::string_view v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return unfold(v);
  std::string out;
  v = v.substr(1, v.size() - 2);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    out.push_back(v[i]);
  }
  return unfold(out);
}

void write_text_or_null(JsonWriter& w, std::string_view v) {
  if (v.empty()) {
    w.null();
  } else {
    w.string(unquote(v));
  }
}

void write_params(JsonWriter& w, const msg::Params& params) {
  w.begin_object();
  for (const msg::Param& p : params) {
    w.key(p.name);
    if (p.has_value) {
      w.string(unquote(p.value));
    } else {
      w.null();
    }
  }
  w.end_object();
}

// Headers whose grammar (§20, RFC 3326, RFC 3325) allows one value: written
// as a scalar or an object; every other header is a list.
bool is_single(HeaderId id) {
  switch (id) {
    case HeaderId::kAuthenticationInfo:
    case HeaderId::kCallId:
    case HeaderId::kContentDisposition:
    case HeaderId::kContentLength:
    case HeaderId::kContentType:
    case HeaderId::kCSeq:
    case HeaderId::kDate:
    case HeaderId::kExpires:
    case HeaderId::kFrom:
    case HeaderId::kMaxForwards:
    case HeaderId::kMimeVersion:
    case HeaderId::kMinExpires:
    case HeaderId::kOrganization:
    case HeaderId::kPriority:
    case HeaderId::kReplyTo:
    case HeaderId::kRetryAfter:
    case HeaderId::kServer:
    case HeaderId::kSubject:
    case HeaderId::kTimestamp:
    case HeaderId::kTo:
    case HeaderId::kUserAgent:
      return true;
    default:
      return false;
  }
}

// Token headers whose grammar has params: written as {token, params}; the
// other token headers (Allow, Supported, Require, ...) as plain strings.
bool token_has_params(HeaderId id) {
  return id == HeaderId::kAcceptEncoding || id == HeaderId::kAcceptLanguage ||
         id == HeaderId::kContentDisposition || id == HeaderId::kReason;
}

void write_value(JsonWriter& w, const msg::Field& field) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, msg::Text>) {
          w.string(unfold(v.text));
        } else if constexpr (std::is_same_v<T, msg::Integer>) {
          w.number(v.value);
        } else if constexpr (std::is_same_v<T, msg::CSeq>) {
          w.begin_object();
          w.key("seq");
          w.number(v.seq);
          w.key("method");
          w.string(v.method_text);
          w.end_object();
        } else if constexpr (std::is_same_v<T, msg::Via>) {
          w.begin_object();
          w.key("transport");
          w.string(v.transport);
          w.key("host");
          w.string(v.host);
          w.key("port");
          if (v.has_port) {
            w.number(v.port);
          } else {
            w.null();
          }
          w.key("params");
          write_params(w, v.params);
          w.end_object();
        } else if constexpr (std::is_same_v<T, msg::NameAddr>) {
          w.begin_object();
          w.key("display_name");
          write_text_or_null(w, v.display_name);
          w.key("uri");
          w.string(v.uri.text);
          w.key("params");
          write_params(w, v.params);
          w.end_object();
        } else if constexpr (std::is_same_v<T, msg::Star>) {
          w.string("*");
        } else if constexpr (std::is_same_v<T, msg::UriParams>) {
          w.begin_object();
          w.key("uri");
          w.string(v.uri);
          w.key("params");
          write_params(w, v.params);
          w.end_object();
        } else if constexpr (std::is_same_v<T, msg::Token>) {
          if (token_has_params(field.id)) {
            w.begin_object();
            w.key("token");
            w.string(v.token);
            w.key("params");
            write_params(w, v.params);
            w.end_object();
          } else {
            w.string(v.params.empty() ? std::string(v.token) : unfold(field.value));
          }
        } else if constexpr (std::is_same_v<T, msg::MediaType>) {
          w.begin_object();
          w.key("type");
          w.string(v.type);
          w.key("subtype");
          w.string(v.subtype);
          w.key("params");
          write_params(w, v.params);
          w.end_object();
        } else if constexpr (std::is_same_v<T, msg::Auth>) {
          w.begin_object();
          w.key("scheme");
          write_text_or_null(w, v.scheme);
          w.key("params");
          write_params(w, v.params);
          w.end_object();
        } else if constexpr (std::is_same_v<T, msg::Date>) {
          w.begin_object();
          w.key("text");
          w.string(unfold(v.text));
          w.key("year");
          w.number(v.year);
          w.key("month");
          w.number(v.month);
          w.key("day");
          w.number(v.day);
          w.key("weekday");
          w.number(v.weekday);
          w.key("hour");
          w.number(v.hour);
          w.key("minute");
          w.number(v.minute);
          w.key("second");
          w.number(v.second);
          w.end_object();
        } else if constexpr (std::is_same_v<T, msg::RetryAfter>) {
          w.begin_object();
          w.key("seconds");
          w.number(v.seconds);
          w.key("comment");
          write_text_or_null(w, v.comment);
          w.key("params");
          write_params(w, v.params);
          w.end_object();
        } else if constexpr (std::is_same_v<T, msg::Warning>) {
          w.begin_object();
          w.key("code");
          w.number(v.code);
          w.key("agent");
          w.string(v.agent);
          w.key("text");
          w.string(unquote(v.text));
          w.end_object();
        } else if constexpr (std::is_same_v<T, msg::Timestamp>) {
          w.begin_object();
          w.key("time");
          w.string(v.time);
          w.key("delay");
          write_text_or_null(w, v.delay);
          w.end_object();
        } else if constexpr (std::is_same_v<T, msg::MimeVersion>) {
          w.begin_object();
          w.key("major");
          w.number(v.major);
          w.key("minor");
          w.number(v.minor);
          w.end_object();
        }
      },
      field.typed);
}

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Fields grouped under their JSON key, in order of first appearance.
struct Group {
  std::string key;
  HeaderId id;
  std::vector<const msg::Field*> fields;
};

std::vector<Group> group_fields(const msg::Message& m) {
  std::vector<Group> groups;
  for (const msg::Field& f : m.fields()) {
    std::string key =
        f.id == HeaderId::kUnknown ? lowered(f.name) : std::string(msg::snake_name(f.id));
    Group* group = nullptr;
    for (Group& g : groups) {
      if (g.key == key) group = &g;
    }
    if (group == nullptr) group = &groups.emplace_back(Group{std::move(key), f.id, {}});
    group->fields.push_back(&f);
  }
  return groups;
}

void write_message(std::string& out, const msg::Message& m) {
  JsonWriter w(out);
  w.begin_object();
  w.key("type");
  if (m.is_request()) {
    w.string("request");
    w.key("method");
    w.string(m.request_line().method_text);
    w.key("request_uri");
    w.string(m.request_line().uri.text);
    w.key("version");
    w.string(m.request_line().version);
  } else {
    w.string("response");
    w.key("status_code");
    w.number(m.status_line().code);
    w.key("reason_phrase");
    w.string(m.status_line().reason);
    w.key("version");
    w.string(m.status_line().version);
  }
  w.key("headers");
  w.begin_object();
  for (const Group& g : group_fields(m)) {
    w.key(g.key);
    if (g.id == HeaderId::kUnknown) {
      w.begin_array();
      for (const msg::Field* f : g.fields)
        w.string(unfold(f->value));
      w.end_array();
    } else if (g.fields.size() == 1 &&
               (is_single(g.id) || g.fields.front()->as<msg::Star>() != nullptr)) {
      // Single-value headers, and "Contact: *" (§10.2.2), are not lists.
      write_value(w, *g.fields.front());
    } else {
      w.begin_array();
      for (const msg::Field* f : g.fields)
        write_value(w, *f);
      w.end_array();
    }
  }
  w.end_object();
  w.key("body_length");
  w.number(m.body().size());
  w.end_object();
}

int fail(const msg::Error& e) {
  std::fprintf(stderr, "sippet parse: %s (offset %zu, status %d)\n", e.reason.c_str(), e.offset,
               e.status);
  return 1;
}

}  // namespace

int run_parse(int argc, char** argv) {
  std::string_view path = "-";
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      return 0;
    }
    if (arg.size() > 1 && arg.front() == '-') {
      std::fprintf(stderr, "sippet parse: unknown option '%s'\n", argv[i]);
      std::fwrite(kUsage.data(), 1, kUsage.size(), stderr);
      return 2;
    }
    if (++positional > 1) {
      std::fputs("sippet parse: only one message file may be given\n", stderr);
      std::fwrite(kUsage.data(), 1, kUsage.size(), stderr);
      return 2;
    }
    path = arg;
  }

  std::string input;
  if (path == "-") {
    if (!read_all(stdin, input)) {
      std::fprintf(stderr, "sippet parse: cannot read stdin: %s\n", std::strerror(errno));
      return 1;
    }
  } else {
    std::string name(path);
    std::FILE* file = std::fopen(name.c_str(), "rb");
    if (file == nullptr) {
      std::fprintf(stderr, "sippet parse: cannot open '%s': %s\n", name.c_str(),
                   std::strerror(errno));
      return 1;
    }
    bool ok = read_all(file, input);
    int err = errno;
    std::fclose(file);
    if (!ok) {
      std::fprintf(stderr, "sippet parse: cannot read '%s': %s\n", name.c_str(),
                   std::strerror(err));
      return 1;
    }
  }

  auto parsed = msg::parse_message(input);
  if (!parsed) return fail(parsed.error());
  if (auto valid = msg::validate(parsed.value()); !valid) return fail(valid.error());

  std::string out;
  out.reserve(4096);
  write_message(out, parsed.value());
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace sippet::app
