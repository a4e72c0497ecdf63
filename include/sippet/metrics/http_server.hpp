#pragma once
// A minimal HTTP/1.1 server for Prometheus scrapes: `GET /metrics` (or
// HEAD) answers 200 with the text a callback produces; everything else gets
// a short error and the connection is closed after every response.
//
// It runs on a thread and io_context of its own (never on the stack's
// workers) and is strict and bounded, so that garbage or slow clients
// cannot hurt it or the process:
// - the request line and headers must fit in `max_request` octets (else
//   431) and arrive within `timeout` of the connection (else the connection
//   is closed); the response must leave within `timeout` too;
// - a request that cannot be HTTP is answered 400 as soon as it is seen
//   (control characters, a bad method token), a malformed request line or
//   header 400, an HTTP version other than 1.0 and 1.1 505, a request
//   with a body 400, a method other than GET and HEAD 405, another path 404;
// - at most `max_connections` connections are open: one more closes the
//   oldest that is still sending its request (a scraper sends at once, a
//   slow client waits), or is closed at once when there is none.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "sippet/message/result.hpp"
#include "sippet/transport/endpoint.hpp"

namespace sippet::metrics {

struct HttpServerOptions {
  transport::Endpoint listen;  // TCP address (port 0: any; see local_endpoint())
  std::string path = "/metrics";
  std::chrono::milliseconds timeout{5000};
  std::size_t max_request = 8192;
  std::size_t max_connections = 16;
};

// What the server has done (tests, logs).
struct HttpServerStats {
  std::uint64_t accepted = 0;
  std::uint64_t served = 0;     // 200 responses
  std::uint64_t rejected = 0;   // 4xx and 5xx responses
  std::uint64_t timed_out = 0;  // closed at the deadline
  std::uint64_t evicted = 0;    // closed for a newer connection, or refused at the cap
};

class HttpServer {
 public:
  // The response body of a scrape, and its Content-Type. Called on the
  // server's thread, once per successful request.
  struct Body {
    std::function<std::string()> text;
    std::string content_type = "text/plain; charset=utf-8";
  };

  // Binds and starts serving. Error kInvalidArgument with the reason, e.g.
  // "tcp:127.0.0.1:9090: Address already in use".
  static message::Result<std::unique_ptr<HttpServer>> start(HttpServerOptions options, Body body);

  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  transport::Endpoint local_endpoint() const;
  HttpServerStats stats() const;
  // Closes the listener and every connection, joins the thread; idempotent.
  void stop();

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sippet::metrics
