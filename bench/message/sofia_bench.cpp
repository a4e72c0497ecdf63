// sofia-sip's full parse of the anchor: a msg_t of the default SIP message
// class, the bytes committed as a complete datagram, msg_extract() parsing
// every header into its typed structure (sip_t).
#include <benchmark/benchmark.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/msg_buffer.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>

#include <cstring>
#include <string>

#include "bench_common.hpp"

namespace {

// Parses `bytes`; returns the message (caller destroys) or nullptr.
msg_t* sofia_parse(const std::string& bytes) {
  msg_t* msg = msg_create(sip_default_mclass(), 0);
  if (msg == nullptr) return nullptr;
  void* buffer = msg_buf_alloc(msg, bytes.size() + 1);
  if (buffer == nullptr) {
    msg_destroy(msg);
    return nullptr;
  }
  std::memcpy(buffer, bytes.data(), bytes.size());
  msg_buf_commit(msg, bytes.size(), 1);  // end of stream: one datagram
  if (msg_extract(msg) <= 0) {
    msg_destroy(msg);
    return nullptr;
  }
  return msg;
}

std::size_t count_items(msg_param_t const* items) {
  std::size_t n = 0;
  while (items != nullptr && items[n] != nullptr)
    ++n;
  return n;
}

// Every header of the anchor reached its typed form: proof that the parse is
// complete, not lazy.
bool sofia_parsed_fully(msg_t* msg) {
  if (msg == nullptr || msg_extract_errors(msg) != 0) return false;
  const sip_t* sip = sip_object(msg);
  return sip != nullptr && sip->sip_request != nullptr &&
         sip->sip_request->rq_method == sip_method_invite &&
         sip->sip_request->rq_url->url_host != nullptr && sip->sip_via != nullptr &&
         sip->sip_via->v_next != nullptr && sip->sip_via->v_branch != nullptr &&
         sip->sip_via->v_next->v_received != nullptr && sip->sip_max_forwards != nullptr &&
         sip->sip_max_forwards->mf_count == 70 && sip->sip_to != nullptr &&
         sip->sip_to->a_url->url_host != nullptr && sip->sip_from != nullptr &&
         sip->sip_from->a_tag != nullptr && std::strcmp(sip->sip_from->a_tag, "1928301774") == 0 &&
         sip->sip_call_id != nullptr && sip->sip_cseq != nullptr &&
         sip->sip_cseq->cs_seq == 314159 && sip->sip_contact != nullptr &&
         sip->sip_contact->m_url->url_params != nullptr && sip->sip_record_route != nullptr &&
         sip->sip_record_route->r_next != nullptr && sip->sip_allow != nullptr &&
         count_items(sip->sip_allow->k_items) == 10 && sip->sip_supported != nullptr &&
         count_items(sip->sip_supported->k_items) == 3 && sip->sip_user_agent != nullptr &&
         sip->sip_content_type != nullptr && sip->sip_content_type->c_subtype != nullptr &&
         sip->sip_content_length != nullptr && sip->sip_content_length->l_length == 149 &&
         sip->sip_payload != nullptr && sip->sip_payload->pl_len == 149 &&
         sip->sip_unknown == nullptr && sip->sip_error == nullptr;
}

void parse_invite_sofia_sip(benchmark::State& state) {
  const std::string& bytes = sippet::bench::anchor_invite();
  msg_t* check = sofia_parse(bytes);
  const bool ok = sofia_parsed_fully(check);
  if (check != nullptr) msg_destroy(check);
  if (!ok) {
    state.SkipWithError("sofia-sip did not parse the anchor fully");
    return;
  }
  for (auto _ : state) {
    msg_t* msg = sofia_parse(bytes);
    benchmark::DoNotOptimize(msg);
    msg_destroy(msg);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}

}  // namespace

BENCHMARK(parse_invite_sofia_sip)->Name("parse_invite/sofia_sip");
