// sippet registrations: the current bindings of a registrar's database
// (address of record, contact, seconds left, flow) as a table or JSON.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "commands.hpp"
#include "json_writer.hpp"
#include "location_service.hpp"
#include "serve_options.hpp"

namespace sippet::app {

namespace {

void usage(std::FILE* out) {
  std::fputs(
      "usage: sippet registrations [--db PATH|postgresql://...] [--json]\n"
      "\n"
      "  --db PATH|URL  the registrar's database (default: $XDG_DATA_HOME/sippet/registrar.db)\n"
      "  --json         a JSON array of {aor, contact, expires, flow, q, path}\n",
      out);
}

}  // namespace

int run_registrations(int argc, char** argv) {
  std::string db = default_db_path();
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    }
    if (arg == "--json") {
      json = true;
    } else if (arg == "--db") {
      const char* value = option_value(argc, argv, i, "registrations");
      if (value == nullptr) return 2;
      db = value;
    } else {
      std::fprintf(stderr, "sippet registrations: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  if (db.empty()) {
    std::fputs("sippet registrations: --db needs a file or a postgresql:// URL\n", stderr);
    return 2;
  }
  std::error_code missing;
  if (!is_postgres_url(db) && !std::filesystem::exists(db, missing)) {
    std::fprintf(stderr, "sippet registrations: %s: no such database\n", db.c_str());
    return 1;
  }
  auto storage = open_db(db);
  if (!storage) {
    std::fprintf(stderr, "sippet registrations: %s\n", storage.error().reason.c_str());
    return 1;
  }
  auto all = (*storage)->all();
  if (!all) {
    std::fprintf(stderr, "sippet registrations: %s\n", all.error().reason.c_str());
    return 1;
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::erase_if(*all, [&](const registrar::Binding& b) { return b.expires_at <= now; });
  if (json) {
    std::string out;
    JsonWriter w(out);
    w.begin_array();
    for (const auto& b : *all) {
      w.begin_object();
      w.key("aor");
      w.string(b.aor);
      w.key("contact");
      w.string(b.contact);
      w.key("expires");
      w.number(static_cast<std::uint64_t>(b.expires_at - now));
      w.key("flow");
      w.string(b.flow.to_string());
      w.key("q");
      if (b.q < 0)
        w.null();
      else
        w.string(std::to_string(b.q / 1000) + "." + std::to_string(1000 + b.q % 1000).substr(1));
      w.key("path");
      w.begin_array();
      for (const auto& p : b.path)
        w.string(p);
      w.end_array();
      w.end_object();
    }
    w.end_array();
    std::printf("%s\n", out.c_str());
    return 0;
  }
  std::printf("%-32s %-40s %8s  %s\n", "ADDRESS OF RECORD", "CONTACT", "EXPIRES", "FLOW");
  for (const auto& b : *all)
    std::printf("%-32s %-40s %8lld  %s\n", b.aor.c_str(), b.contact.c_str(),
                static_cast<long long>(b.expires_at - now), b.flow.to_string().c_str());
  std::printf("%zu binding%s\n", all->size(), all->size() == 1 ? "" : "s");
  return 0;
}

}  // namespace sippet::app
