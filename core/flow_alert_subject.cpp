#include "flow_alert_subject.h"

namespace egressmon::core {

AlertSubject alertSubjectOf(const Flow& flow, bool to_server) noexcept {
    const AlertEndpoint client{flow.clientIp(), flow.clientPort()};
    const AlertEndpoint server{flow.serverIp(), flow.serverPort()};
    AlertSubject subject;
    subject.flow_id = flow.flow_id;
    // The sender of the matching bytes is the source, whichever side opened the flow.
    subject.source = to_server ? client : server;
    subject.destination = to_server ? server : client;
    subject.ip_proto = flow.key.ip_proto;
    subject.vlan_id = flow.key.vlan_id;
    subject.origin = AlertSource::kCapture;
    return subject;
}

} // namespace egressmon::core
