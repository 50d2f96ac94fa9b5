#pragma once
// The ICAP service's counters, one line each (core/counter_table.h): connections, requests by
// method, decisions by outcome, errors by status, every bound of the `icap:` section. One
// instance per ICAP thread, written only by that thread, summed for --stats and the metrics.

#include "core/counter_table.h"

namespace egressmon::icap {

#define EGRESSMON_ICAP_COUNTERS(X)                                                                 \
    X(connections, "connections", "ICAP connections accepted",                                     \
      counter::series("connection_accepted"))                                                      \
    X(peers_refused, "connections", "Connections from a peer outside icap.allow (closed at once)", \
      counter::series("peer_refused"))                                                             \
    X(connections_over_limit, "connections",                                                       \
      "Connections closed at once because icap.max-connections were open",                         \
      counter::series("connection_over_limit").limit("icap.max-connections"))                      \
    X(accept_errors, "connections",                                                                \
      "Connections the kernel could not hand over (out of descriptors or memory; retried)",        \
      counter::series("accept_error"))                                                             \
    X(header_timeouts, "connections",                                                              \
      "Connections closed without a complete header block within icap.header-timeout-ms",          \
      counter::series("header_timeout").limit("icap.header-timeout-ms"))                           \
    X(idle_closed, "connections", "Kept-alive connections closed after icap.idle-timeout-ms",      \
      counter::series("idle_closed"))                                                              \
    X(client_aborts, "requests", "Requests whose client closed the connection before the end",     \
      counter::series("client_abort"))                                                             \
    X(write_errors, "connections", "Connections closed because a reply could not be sent",         \
      counter::series("write_error"))                                                              \
    X(options, "requests", "OPTIONS requests answered", counter::series("request_options"))        \
    X(reqmods, "requests", "REQMOD requests received", counter::series("request_reqmod"))          \
    X(respmods, "requests", "RESPMOD requests (not offered: 405, or 204 when allowed)",            \
      counter::series("request_respmod"))                                                          \
    X(previews, "requests", "REQMOD requests that came with a Preview",                            \
      counter::series("preview"))                                                                  \
    X(continues, "requests", "100 Continue sent after a preview", counter::series("continue"))     \
    X(allowed_204, "requests", "Requests allowed with 204 No Content",                             \
      counter::series("decision_allowed_204"))                                                     \
    X(allowed_echo, "requests",                                                                    \
      "Requests allowed by echoing them unmodified (the client did not allow 204)",                \
      counter::series("decision_allowed_echo"))                                                    \
    X(blocked, "requests", "Requests answered with the block page (a block rule matched)",         \
      counter::series("decision_blocked"))                                                         \
    X(bound_allowed, "requests",                                                                   \
      "Requests that passed a decision bound and were allowed uninspected (icap.on-bound: allow)", \
      counter::series("decision_bound_allowed"))                                                   \
    X(bound_blocked, "requests",                                                                   \
      "Requests that passed a decision bound and were blocked (icap.on-bound: block)",             \
      counter::series("decision_bound_blocked"))                                                   \
    X(body_over_limit, "requests", "Request bodies longer than icap.max-body-bytes",               \
      counter::series("body_over_limit").limit("icap.max-body-bytes"))                             \
    X(buffer_over_limit, "requests",                                                               \
      "Bodies that could not be held for echoing within icap.max-buffered-bytes",                  \
      counter::series("buffer_over_limit").limit("icap.max-buffered-bytes"))                       \
    X(decision_timeouts, "requests", "Requests not decided within icap.decision-timeout-ms",       \
      counter::series("decision_timeout").limit("icap.decision-timeout-ms"))                       \
    X(header_too_large, "requests", "Header blocks over icap.max-header-bytes (400, closed)",      \
      counter::series("header_too_large").limit("icap.max-header-bytes"))                          \
    X(bad_requests, "requests", "Malformed requests or chunks (400)",                              \
      counter::series("error_400"))                                                                \
    X(unknown_services, "requests", "Requests for a service other than /reqmod (404)",             \
      counter::series("error_404"))                                                                \
    X(unknown_methods, "requests", "Requests with a method ICAP does not define (501)",            \
      counter::series("error_501"))                                                                \
    X(bad_versions, "requests", "Requests with a version other than ICAP/1.0 (505)",               \
      counter::series("error_505"))                                                                \
    X(body_bytes, "bytes", "Encapsulated HTTP body bytes received", counter::series("body_byte"))  \
    /* one X(...) per counter, above this line */

struct IcapCounters {
    EGRESSMON_ICAP_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(IcapCounters, EGRESSMON_ICAP_COUNTERS, "icap", "icap",
                            "egressmon_icap_events_total")
    EGRESSMON_COUNTER_SUM(IcapCounters)
};

} // namespace egressmon::icap
