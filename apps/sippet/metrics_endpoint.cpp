#include "metrics_endpoint.hpp"

#include <string>

#include "sippet/metrics/prometheus.hpp"
#include "sippet/transport/listen_spec.hpp"

namespace sippet::app {

message::Result<transport::Endpoint> parse_metrics_spec(std::string_view text) {
  auto spec = transport::parse_listen_spec(text);
  if (!spec) return spec.error();
  if (spec->protocol != transport::Protocol::kTcp || !text.starts_with("tcp:"))
    return message::Error{message::ErrorKind::kInvalidArgument, 0, 0,
                          "the metrics endpoint is HTTP over TCP: tcp:HOST:PORT"};
  return spec->endpoint;
}

message::Result<std::unique_ptr<metrics::HttpServer>> serve_metrics(const stack::Stack& stack,
                                                                    transport::Endpoint at) {
  metrics::HttpServerOptions options;
  options.listen = at;
  metrics::HttpServer::Body body;
  body.text = [&stack] { return metrics::scrape(stack); };
  body.content_type = metrics::kPrometheusContentType;
  return metrics::HttpServer::start(std::move(options), std::move(body));
}

}  // namespace sippet::app
