// `sippet parse`: runs the built binary on files and on stdin, reads its JSON
// back with a small independent reader, and checks values and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace {

// ---- A minimal JSON reader (RFC 8259), enough for the tool's output -------------

struct Json {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  std::vector<std::string> keys;  // an object: keys[i] -> values[i], in order
  std::vector<Json> values;

  const Json& operator[](std::string_view key) const {
    static const Json missing{Type::kNull, false, -1, "<missing>", {}, {}, {}};
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) return values[i];
    }
    return missing;
  }
  const Json& operator[](std::size_t i) const { return array.at(i); }
  bool has(std::string_view key) const {
    for (const std::string& k : keys) {
      if (k == key) return true;
    }
    return false;
  }
  bool is_null() const { return type == Type::kNull && string != "<missing>"; }
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : s_(text) {}

  bool read(Json& out) {
    if (!value(out)) return false;
    ws();
    return i_ == s_.size();
  }

 private:
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
      ++i_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  // Strings: \u00XX below 0x100 decodes to that byte, so the test can compare
  // with the raw octets of the message.
  bool str(std::string& out) {
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    ++i_;
    while (i_ < s_.size() && s_[i_] != '"') {
      auto c = static_cast<unsigned char>(s_[i_]);
      if (c < 0x20) return false;  // raw control characters are not JSON
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        ++i_;
        continue;
      }
      if (++i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          if (i_ + 4 > s_.size()) return false;
          unsigned cp = std::stoul(std::string(s_.substr(i_, 4)), nullptr, 16);
          i_ += 4;
          if (cp < 0x100) {
            out.push_back(static_cast<char>(cp));
          } else {
            put_utf8(out, cp);
          }
          break;
        }
        default:
          return false;
      }
    }
    if (i_ >= s_.size()) return false;
    ++i_;
    return true;
  }
  bool value(Json& out) {
    ws();
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '{') {
      out.type = Json::Type::kObject;
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
      for (;;) {
        ws();
        std::string key;
        if (!str(key)) return false;
        ws();
        if (i_ >= s_.size() || s_[i_++] != ':') return false;
        Json v;
        if (!value(v)) return false;
        out.keys.push_back(std::move(key));
        out.values.push_back(std::move(v));
        ws();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        return i_ < s_.size() && s_[i_++] == '}';
      }
    }
    if (c == '[') {
      out.type = Json::Type::kArray;
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
      for (;;) {
        Json v;
        if (!value(v)) return false;
        out.array.push_back(std::move(v));
        ws();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        return i_ < s_.size() && s_[i_++] == ']';
      }
    }
    if (c == '"') {
      out.type = Json::Type::kString;
      return str(out.string);
    }
    if (literal("null")) return true;
    if (literal("true")) return out.type = Json::Type::kBool, out.boolean = true, true;
    if (literal("false")) return out.type = Json::Type::kBool, true;
    std::size_t start = i_;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' ||
                              s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E' || s_[i_] == '+'))
      ++i_;
    if (start == i_) return false;
    out.type = Json::Type::kNumber;
    out.number = std::stod(std::string(s_.substr(start, i_ - start)));
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

// ---- Running the tool ----------------------------------------------------------------

struct ToolRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "sippet_parse_test_" + std::to_string(::getpid()) + "_" + name;
}

// Runs `sippet <args>` through the shell (args are already quoted).
ToolRun run(const std::string& args) {
  const std::string out = temp_path("stdout"), err = temp_path("stderr");
  const std::string cmd =
      std::string("'") + SIPPET_BINARY + "' " + args + " >'" + out + "' 2>'" + err + "'";
  int status = std::system(cmd.c_str());
  ToolRun r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

std::string write_temp(const std::string& name, std::string_view content) {
  const std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

const std::string kCorpus = SIPPET_CORPUS_DIR "/rfc4475/";
const std::string kInvite = SIPPET_CORPUS_DIR "/../../bench/data/invite.sip";

Json parse_json(const ToolRun& r) {
  Json j;
  EXPECT_TRUE(JsonReader(r.out).read(j)) << "not JSON:\n" << r.out;
  return j;
}

// ---- Tests ----------------------------------------------------------------------------

TEST(ParseCommand, InviteFromFile) {
  ToolRun r = run("parse '" + kInvite + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  Json j = parse_json(r);
  EXPECT_EQ(j["type"].string, "request");
  EXPECT_EQ(j["method"].string, "INVITE");
  EXPECT_EQ(j["request_uri"].string, "sip:bob@biloxi.example.com");
  EXPECT_FALSE(j.has("status_code"));
  EXPECT_EQ(j["body_length"].number, 149);

  const Json& h = j["headers"];
  ASSERT_EQ(h.type, Json::Type::kObject);
  const Json& via = h["via"];
  ASSERT_EQ(via.type, Json::Type::kArray);
  ASSERT_EQ(via.array.size(), 2u);
  EXPECT_EQ(via[0]["transport"].string, "UDP");
  EXPECT_EQ(via[0]["host"].string, "pc33.atlanta.example.com");
  EXPECT_EQ(via[0]["port"].number, 5060);
  EXPECT_EQ(via[0]["params"]["branch"].string, "z9hG4bK776asdhds");
  EXPECT_TRUE(via[0]["params"]["rport"].is_null());
  EXPECT_TRUE(via[1]["port"].is_null());
  EXPECT_EQ(via[1]["params"]["received"].string, "192.0.2.1");

  EXPECT_EQ(h["max_forwards"].number, 70);
  EXPECT_EQ(h["to"]["display_name"].string, "Bob");
  EXPECT_EQ(h["to"]["uri"].string, "sip:bob@biloxi.example.com");
  EXPECT_EQ(h["to"]["params"].type, Json::Type::kObject);
  EXPECT_TRUE(h["to"]["params"].keys.empty());
  EXPECT_EQ(h["from"]["params"]["tag"].string, "1928301774");
  EXPECT_EQ(h["call_id"].string, "a84b4c76e66710@pc33.atlanta.example.com");
  EXPECT_EQ(h["cseq"]["seq"].number, 314159);
  EXPECT_EQ(h["cseq"]["method"].string, "INVITE");
  ASSERT_EQ(h["contact"].array.size(), 1u);
  EXPECT_TRUE(h["contact"][0]["display_name"].is_null());
  EXPECT_EQ(h["contact"][0]["uri"].string, "sip:alice@pc33.atlanta.example.com;transport=udp");
  ASSERT_EQ(h["record_route"].array.size(), 2u);
  EXPECT_EQ(h["record_route"][1]["uri"].string, "sip:p2.example.com;lr");
  ASSERT_EQ(h["allow"].array.size(), 10u);
  EXPECT_EQ(h["allow"][0].string, "INVITE");
  EXPECT_EQ(h["allow"][9].string, "INFO");
  ASSERT_EQ(h["supported"].array.size(), 3u);
  EXPECT_EQ(h["supported"][2].string, "100rel");
  EXPECT_EQ(h["user_agent"].string, "Example UA 1.0");
  EXPECT_EQ(h["content_type"]["type"].string, "application");
  EXPECT_EQ(h["content_type"]["subtype"].string, "sdp");
  EXPECT_EQ(h["content_length"].number, 149);
  // Keys in order of first appearance.
  EXPECT_EQ(h.keys,
            (std::vector<std::string>{"via", "max_forwards", "to", "from", "call_id", "cseq",
                                      "contact", "record_route", "allow", "supported", "user_agent",
                                      "content_type", "content_length"}));
}

TEST(ParseCommand, StdinGivesTheSameOutput) {
  ToolRun file = run("parse '" + kInvite + "'");
  ToolRun implicit = run("parse < '" + kInvite + "'");
  ToolRun dash = run("parse - < '" + kInvite + "'");
  ASSERT_EQ(file.exit_code, 0);
  EXPECT_EQ(implicit.exit_code, 0) << implicit.err;
  EXPECT_EQ(dash.exit_code, 0) << dash.err;
  EXPECT_EQ(implicit.out, file.out);
  EXPECT_EQ(dash.out, file.out);
}

TEST(ParseCommand, ResponseWithUtf8Reason) {
  ToolRun r = run("parse '" + kCorpus + "unreason.dat'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j = parse_json(r);
  EXPECT_EQ(j["type"].string, "response");
  EXPECT_EQ(j["status_code"].number, 200);
  EXPECT_FALSE(j.has("method"));
  // The reason phrase exactly as in the file, between "200 " and CRLF.
  const std::string raw = read_file(kCorpus + "unreason.dat");
  const std::string reason = raw.substr(12, raw.find("\r\n") - 12);
  EXPECT_EQ(j["reason_phrase"].string, reason);
  EXPECT_EQ(j["headers"]["to"]["params"]["tag"].string, "2229");
  EXPECT_EQ(j["body_length"].number, 154);
}

TEST(ParseCommand, EscapesQuotesBackslashesAndFolding) {
  ToolRun r = run("parse '" + kCorpus + "wsinv.dat'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j = parse_json(r);
  const Json& h = j["headers"];
  // from: "J Rosenberg \\\"" unquoted: J Rosenberg \"
  EXPECT_EQ(h["from"]["display_name"].string, "J Rosenberg \\\"");
  EXPECT_EQ(h["from"]["params"]["tag"].string, "98asjd8");
  EXPECT_EQ(h["to"]["params"]["tag"].string, "1918181833n");
  EXPECT_EQ(h["cseq"]["seq"].number, 9);
  EXPECT_EQ(h["max_forwards"].number, 68);
  EXPECT_EQ(h["via"].array.size(), 3u);
  // Folded unknown header values read as one line; keys are lower-cased.
  ASSERT_EQ(h["newfangledheader"].array.size(), 1u);
  EXPECT_EQ(h["newfangledheader"][0].string, "newfangled value continued newfangled value");
  EXPECT_EQ(h["unknownheaderwithunusualvalue"][0].string, ";;,,;;,;");
  EXPECT_EQ(h["contact"][0]["display_name"].string, "Quoted string \"\"");
  EXPECT_EQ(h["contact"][0]["params"]["newparam"].string, "newvalue");
  EXPECT_TRUE(h["contact"][0]["params"]["secondparam"].is_null());
  for (std::size_t i = 0; i < h.keys.size(); ++i) {
    for (const Json& v : h.values[i].array) {
      EXPECT_EQ(v.string.find('\n'), std::string::npos) << h.keys[i];
    }
  }
}

TEST(ParseCommand, ControlAndNonUtf8BytesAreEscaped) {
  // intmeth's To display name holds BEL, NUL and DEL as quoted-pairs.
  ToolRun r = run("parse '" + kCorpus + "intmeth.dat'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\\u0007"), std::string::npos);
  EXPECT_NE(r.out.find("\\u0000"), std::string::npos);
  Json j = parse_json(r);
  EXPECT_EQ(j["headers"]["to"]["display_name"].string, std::string("BEL:\x07 NUL:\0 DEL:\x7F", 17));
  EXPECT_EQ(j["method"].string, "!interesting-Method0123456789_*+`.%indeed'~");

  // A reason phrase with a byte that is not UTF-8 (0xE9, Latin-1 é).
  const std::string path = write_temp("latin1.sip",
                                      "SIP/2.0 200 Caf\xE9\r\n"
                                      "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
                                      "From: <sip:a@example.com>;tag=1\r\n"
                                      "To: <sip:b@example.com>;tag=2\r\n"
                                      "Call-ID: x\r\n"
                                      "CSeq: 1 OPTIONS\r\n"
                                      "Content-Length: 0\r\n\r\n");
  ToolRun latin = run("parse '" + path + "'");
  std::remove(path.c_str());
  if (latin.exit_code == 0) {
    EXPECT_NE(latin.out.find("\"Caf\\u00e9\""), std::string::npos) << latin.out;
    EXPECT_EQ(parse_json(latin)["reason_phrase"].string, "Caf\xE9");
  } else {  // the parser may refuse non-UTF-8 text: then it says so cleanly
    EXPECT_EQ(latin.exit_code, 1);
    EXPECT_EQ(latin.out, "");
  }
}

TEST(ParseCommand, UnknownHeadersContactStarAndOtherShapes) {
  const std::string path =
      write_temp("register.sip",
                 "REGISTER sip:example.com SIP/2.0\r\n"
                 "Via: SIP/2.0/TCP h.example.com:5070;branch=z9hG4bK1\r\n"
                 "Max-Forwards: 70\r\n"
                 "From: \"A \\\"B\\\"\" <sip:a@example.com>;tag=1\r\n"
                 "To: <sip:a@example.com>\r\n"
                 "Call-ID: reg1\r\n"
                 "CSeq: 2 REGISTER\r\n"
                 "Contact: *\r\n"
                 "Expires: 0\r\n"
                 "X-Foo: first\r\n"
                 "Accept: application/sdp;level=1, text/*\r\n"
                 "x-foo: second, with comma\r\n"
                 "Content-Disposition: session;handling=optional\r\n"
                 "Authorization: Digest username=\"a\", realm=\"example.com\", nonce=\"n\", "
                 "uri=\"sip:example.com\", response=\"0123\"\r\n"
                 "Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n"
                 "Content-Length: 0\r\n\r\n");
  ToolRun r = run("parse '" + path + "'");
  std::remove(path.c_str());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j = parse_json(r);
  const Json& h = j["headers"];
  EXPECT_EQ(h["contact"].type, Json::Type::kString);
  EXPECT_EQ(h["contact"].string, "*");
  EXPECT_EQ(h["expires"].number, 0);
  EXPECT_EQ(h["from"]["display_name"].string, "A \"B\"");
  EXPECT_EQ(h["via"][0]["transport"].string, "TCP");
  EXPECT_EQ(h["via"][0]["port"].number, 5070);
  ASSERT_EQ(h["x-foo"].array.size(), 2u);
  EXPECT_EQ(h["x-foo"][0].string, "first");
  EXPECT_EQ(h["x-foo"][1].string, "second, with comma");
  ASSERT_EQ(h["accept"].array.size(), 2u);
  EXPECT_EQ(h["accept"][0]["subtype"].string, "sdp");
  EXPECT_EQ(h["accept"][0]["params"]["level"].string, "1");
  EXPECT_EQ(h["accept"][1]["subtype"].string, "*");
  EXPECT_EQ(h["content_disposition"]["token"].string, "session");
  EXPECT_EQ(h["content_disposition"]["params"]["handling"].string, "optional");
  ASSERT_EQ(h["authorization"].array.size(), 1u);
  EXPECT_EQ(h["authorization"][0]["scheme"].string, "Digest");
  EXPECT_EQ(h["authorization"][0]["params"]["realm"].string, "example.com");
  EXPECT_EQ(h["authorization"][0]["params"]["response"].string, "0123");
  EXPECT_EQ(h["date"]["text"].string, "Sat, 13 Nov 2010 23:29:00 GMT");
  EXPECT_EQ(h["date"]["year"].number, 2010);
  EXPECT_EQ(h["date"]["month"].number, 11);
  EXPECT_EQ(h["date"]["day"].number, 13);
  EXPECT_EQ(h["date"]["hour"].number, 23);
  EXPECT_EQ(h["date"]["minute"].number, 29);
  EXPECT_FALSE(h.has("body_length"));
  EXPECT_EQ(j["body_length"].number, 0);
}

TEST(ParseCommand, MoreTypedShapes) {
  const std::string path =
      write_temp("options.sip",
                 "OPTIONS sip:a@example.com SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                 "From: <sip:a@example.com>;tag=1\r\n"
                 "To: <sip:a@example.com>\r\n"
                 "Call-ID: x\r\n"
                 "CSeq: 1 OPTIONS\r\n"
                 "Max-Forwards: 70\r\n"
                 "Priority: urgent\r\n"
                 "Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n"
                 "Warning: 399 h.example.com \"x \\\"y\\\"\"\r\n"
                 "Retry-After: 120 (I am in a meeting);duration=3600\r\n"
                 "MIME-Version: 1.0\r\n"
                 "Call-Info: <http://www.example.com/alice/photo.jpg> ;purpose=icon\r\n"
                 "Timestamp: 54.3\r\n"
                 "Authentication-Info: nextnonce=\"4736\"\r\n"
                 "WWW-Authenticate: Digest realm=\"a\", nonce=\"b\"\r\n"
                 "Content-Language: fr, de\r\n"
                 "Accept-Encoding: gzip;q=0.5\r\n"
                 "\r\n");
  ToolRun r = run("parse '" + path + "'");
  std::remove(path.c_str());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j = parse_json(r);
  const Json& h = j["headers"];
  EXPECT_EQ(h["priority"].string, "urgent");
  ASSERT_EQ(h["reason"].array.size(), 1u);
  EXPECT_EQ(h["reason"][0]["token"].string, "SIP");
  EXPECT_EQ(h["reason"][0]["params"]["cause"].string, "200");
  EXPECT_EQ(h["reason"][0]["params"]["text"].string, "Call completed elsewhere");
  ASSERT_EQ(h["warning"].array.size(), 1u);
  EXPECT_EQ(h["warning"][0]["code"].number, 399);
  EXPECT_EQ(h["warning"][0]["agent"].string, "h.example.com");
  EXPECT_EQ(h["warning"][0]["text"].string, "x \"y\"");
  EXPECT_EQ(h["retry_after"]["seconds"].number, 120);
  EXPECT_EQ(h["retry_after"]["comment"].string, "I am in a meeting");
  EXPECT_EQ(h["retry_after"]["params"]["duration"].string, "3600");
  EXPECT_EQ(h["mime_version"]["major"].number, 1);
  EXPECT_EQ(h["mime_version"]["minor"].number, 0);
  EXPECT_EQ(h["call_info"][0]["uri"].string, "http://www.example.com/alice/photo.jpg");
  EXPECT_EQ(h["call_info"][0]["params"]["purpose"].string, "icon");
  EXPECT_EQ(h["timestamp"]["time"].string, "54.3");
  EXPECT_TRUE(h["timestamp"]["delay"].is_null());
  EXPECT_TRUE(h["authentication_info"]["scheme"].is_null());
  EXPECT_EQ(h["authentication_info"]["params"]["nextnonce"].string, "4736");
  EXPECT_EQ(h["www_authenticate"][0]["scheme"].string, "Digest");
  EXPECT_EQ(h["www_authenticate"][0]["params"]["nonce"].string, "b");
  ASSERT_EQ(h["content_language"].array.size(), 2u);
  EXPECT_EQ(h["content_language"][1].string, "de");
  EXPECT_EQ(h["accept_encoding"][0]["token"].string, "gzip");
  EXPECT_EQ(h["accept_encoding"][0]["params"]["q"].string, "0.5");
}

TEST(ParseCommand, InvalidMessagesExitOneWithOneLine) {
  struct Case {
    const char* file;
    const char* status;
  };
  for (Case c : {Case{"badvers.dat", "status 505)"}, Case{"mismatch01.dat", "status 400)"},
                 Case{"insuf.dat", "status 400)"}, Case{"unkscm.dat", "status 416)"},
                 Case{"bigcode.dat", "status 0)"}}) {
    ToolRun r = run("parse '" + kCorpus + c.file + "'");
    EXPECT_EQ(r.exit_code, 1) << c.file;
    EXPECT_EQ(r.out, "") << c.file;
    EXPECT_EQ(r.err.rfind("sippet parse: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("(offset "), std::string::npos) << r.err;
    ASSERT_GE(r.err.size(), 2u);
    EXPECT_EQ(r.err.substr(r.err.size() - std::string(c.status).size() - 1),
              std::string(c.status) + "\n")
        << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  }
  ToolRun insuf = run("parse '" + kCorpus + "insuf.dat'");
  EXPECT_NE(insuf.err.find("Call-ID"), std::string::npos) << insuf.err;
}

TEST(ParseCommand, EmptyInputIsAnError) {
  ToolRun r = run("parse < /dev/null");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("sippet parse: ", 0), 0u) << r.err;
}

TEST(ParseCommand, UnreadableFile) {
  ToolRun missing = run("parse '" + temp_path("does-not-exist.sip") + "'");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "");
  EXPECT_NE(missing.err.find("does-not-exist.sip"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("No such file"), std::string::npos) << missing.err;
  ToolRun directory = run("parse '" + testing::TempDir() + "'");
  EXPECT_EQ(directory.exit_code, 1);
  EXPECT_NE(directory.err.find("cannot read"), std::string::npos) << directory.err;
}

TEST(ParseCommand, Usage) {
  ToolRun two = run("parse '" + kInvite + "' '" + kInvite + "'");
  EXPECT_EQ(two.exit_code, 2);
  EXPECT_EQ(two.out, "");
  EXPECT_NE(two.err.find("usage: sippet parse"), std::string::npos) << two.err;
  ToolRun option = run("parse --bogus");
  EXPECT_EQ(option.exit_code, 2);
  EXPECT_NE(option.err.find("--bogus"), std::string::npos) << option.err;
  ToolRun help = run("parse --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("usage: sippet parse"), std::string::npos) << help.out;
}

}  // namespace
