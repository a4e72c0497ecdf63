// libosip2's full parse of the anchor: osip_message_init +
// osip_message_parse + osip_message_free.
#include <benchmark/benchmark.h>
#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>

#include <cstring>
#include <string>

#include "bench_common.hpp"

namespace {

bool osip_parsed_fully(const osip_message_t* sip) {
  return sip->sip_method != nullptr && std::strcmp(sip->sip_method, "INVITE") == 0 &&
         sip->req_uri != nullptr && osip_list_size(&sip->vias) == 2 &&
         osip_list_size(&sip->record_routes) == 2 && osip_list_size(&sip->contacts) == 1 &&
         sip->from != nullptr && sip->to != nullptr && sip->call_id != nullptr &&
         sip->cseq != nullptr && sip->cseq->number != nullptr &&
         std::strcmp(sip->cseq->number, "314159") == 0 && sip->content_type != nullptr &&
         sip->content_length != nullptr && osip_list_size(&sip->bodies) == 1;
}

void parse_invite_osip2(benchmark::State& state) {
  static const int initialised = parser_init();  // once per process
  (void)initialised;
  const std::string& bytes = sippet::bench::anchor_invite();
  {
    osip_message_t* sip = nullptr;
    osip_message_init(&sip);
    const bool ok =
        osip_message_parse(sip, bytes.data(), bytes.size()) == 0 && osip_parsed_fully(sip);
    osip_message_free(sip);
    if (!ok) {
      state.SkipWithError("osip2 did not parse the anchor");
      return;
    }
  }
  for (auto _ : state) {
    osip_message_t* sip = nullptr;
    osip_message_init(&sip);
    const int rc = osip_message_parse(sip, bytes.data(), bytes.size());
    benchmark::DoNotOptimize(rc);
    osip_message_free(sip);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}

}  // namespace

BENCHMARK(parse_invite_osip2)->Name("parse_invite/osip2");
