#pragma once
// Who a proxied request is about, from the ICAP headers the proxy adds (Squid:
// adaptation_send_client_ip, adaptation_send_username) and the encapsulated request itself.

#include "core/ip_address.h"
#include "icap/icap_request_parser.h"
#include "icap/icap_transaction.h"

namespace egressmon::icap {

// client: X-Client-IP, else the proxy's own address (`peer`); server: X-Server-IP when it is an
// address; user: X-Authenticated-User (base64 of "scheme://user" or of the name, as proxies
// send it; decoded, the scheme and any domain path kept) or X-Client-Username as sent; host:
// the Host field, else the URL's authority; url and method as the request line says.
// The id is left for the caller. May throw std::bad_alloc.
TransactionIdentity transactionIdentity(const IcapRequestHead& head, const core::IpAddress& peer);

// X-Authenticated-User's value decoded (RFC-less, but every proxy sends base64); the value as
// sent when it is not base64 of printable text.
std::string decodeAuthenticatedUser(std::string_view value);

} // namespace egressmon::icap
