#pragma once
// Test support: a complete, exact description of a parsed message (every
// field, every typed value, every view as its offset and length in the
// message's bytes), so that two parses of the same bytes can be compared,
// e.g. the parser's fast paths against its general grammar.
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "sippet/message/message.hpp"

namespace sippet::test {

class MessageDump {
 public:
  explicit MessageDump(const message::Message& m) : base_(m.bytes().data()) {
    if (m.is_request()) {
      const auto& rl = m.request_line();
      put("method", static_cast<int>(rl.method));
      put("method_text", rl.method_text);
      uri("request_uri", rl.uri);
      put("version", rl.version);
    } else {
      const auto& sl = m.status_line();
      put("code", sl.code);
      put("reason", sl.reason);
      put("version", sl.version);
    }
    for (const message::Field& f : m.fields())
      field(f);
    put("body", m.body());
  }
  // One field, its views as offsets from its own value text (so that the
  // same value in two messages dumps the same).
  explicit MessageDump(const message::Field& f) : base_(f.value.data()) { field(f); }
  const std::string& str() const { return out_; }

 private:
  void field(const message::Field& f) {
    out_ += "\nfield ";
    put("id", static_cast<int>(f.id));
    put("name", f.name);
    put("value", f.value);
    put("alternative", static_cast<int>(f.typed.index()));
    std::visit([this](const auto& v) { typed(v); }, f.typed);
  }
  void put(const char* key, std::string_view v) {
    out_ += key;
    out_ += '=';
    if (v.data() == nullptr) {
      out_ += "null";
    } else {
      out_ += std::to_string(v.data() - base_);
      out_ += '+';
      out_ += std::to_string(v.size());
      out_ += '"';
      out_ += v;
      out_ += '"';
    }
    out_ += ' ';
  }
  void put(const char* key, long long v) {
    out_ += key;
    out_ += '=';
    out_ += std::to_string(v);
    out_ += ' ';
  }
  void params(const char* key, const message::Params& p) {
    put(key, p.raw());
    put("sep", p.separator());
  }
  void uri(const char* key, const message::Uri& u) {
    out_ += key;
    out_ += "{ ";
    put("scheme", static_cast<int>(u.scheme));
    put("scheme_text", u.scheme_text);
    put("user", u.user);
    put("password", u.password);
    put("has_user", u.has_user);
    put("has_password", u.has_password);
    put("host", u.host);
    put("host_type", static_cast<int>(u.host_type));
    put("port", u.port);
    put("has_port", u.has_port);
    params("params", u.params);
    put("headers", u.headers);
    put("opaque", u.opaque);
    put("text", u.text);
    out_ += "} ";
  }
  void typed(const message::Text& v) { put("text", v.text); }
  void typed(const message::Integer& v) { put("integer", v.value); }
  void typed(const message::CSeq& v) {
    put("seq", v.seq);
    put("method", static_cast<int>(v.method));
    put("method_text", v.method_text);
  }
  void typed(const message::Via& v) {
    put("protocol_name", v.protocol_name);
    put("protocol_version", v.protocol_version);
    put("transport", v.transport);
    put("host", v.host);
    put("host_type", static_cast<int>(v.host_type));
    put("port", v.port);
    put("has_port", v.has_port);
    params("params", v.params);
    put("branch", v.branch);
  }
  void typed(const message::NameAddr& v) {
    put("display_name", v.display_name);
    uri("uri", v.uri);
    params("params", v.params);
    put("angle_brackets", v.angle_brackets);
  }
  void typed(const message::Star&) { out_ += "star "; }
  void typed(const message::UriParams& v) {
    put("uri", v.uri);
    params("params", v.params);
  }
  void typed(const message::Token& v) {
    put("token", v.token);
    params("params", v.params);
  }
  void typed(const message::MediaType& v) {
    put("type", v.type);
    put("subtype", v.subtype);
    params("params", v.params);
  }
  void typed(const message::Auth& v) {
    put("scheme", v.scheme);
    params("params", v.params);
  }
  void typed(const message::Date& v) {
    put("text", v.text);
    put("date", v.year * 10000LL + v.month * 100 + v.day);
    put("time", v.hour * 10000LL + v.minute * 100 + v.second);
    put("weekday", v.weekday);
  }
  void typed(const message::RetryAfter& v) {
    put("seconds", v.seconds);
    put("comment", v.comment);
    params("params", v.params);
  }
  void typed(const message::Warning& v) {
    put("code", v.code);
    put("agent", v.agent);
    put("text", v.text);
  }
  void typed(const message::Timestamp& v) {
    put("time", v.time);
    put("delay", v.delay);
  }
  void typed(const message::MimeVersion& v) {
    put("major", v.major);
    put("minor", v.minor);
  }

  const char* base_;
  std::string out_;
};

}  // namespace sippet::test
