#pragma once
// `sippet serve --metrics tcp:HOST:PORT`: the stack's metrics in
// Prometheus's text format at http://HOST:PORT/metrics (sippet_metrics).
#include <memory>
#include <string_view>

#include "sippet/message/result.hpp"
#include "sippet/metrics/http_server.hpp"
#include "sippet/stack/stack.hpp"
#include "sippet/transport/endpoint.hpp"

namespace sippet::app {

// "tcp:127.0.0.1:9090", "tcp:[::1]:9090" (port 0: any).
message::Result<transport::Endpoint> parse_metrics_spec(std::string_view text);

// Serves `stack`'s metrics until the server is destroyed (before the stack).
message::Result<std::unique_ptr<metrics::HttpServer>> serve_metrics(const stack::Stack& stack,
                                                                    transport::Endpoint at);

}  // namespace sippet::app
