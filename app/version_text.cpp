#include "app/version_text.h"

#include <expat.h>
#include <libpsl.h>
#include <openssl/crypto.h>

#include <hs/hs.h>
#include <librdkafka/rdkafka.h>
#include <ndpi/ndpi_api.h>
#include <pcap/pcap.h>
#include <zlib.h>

namespace egressmon::app {

std::string versionText() {
    std::string text = "egressmon " EGRESSMON_VERSION "\n";
    const auto line = [&](const char* name, const std::string& version) {
        text += "  ";
        text += name;
        text += ' ';
        text += version;
        text += '\n';
    };
    line("nDPI", ndpi_revision());
    line("Hyperscan", hs_version());
    line("librdkafka", rd_kafka_version_str());
    line("libpcap", pcap_lib_version());
    line("zlib", zlibVersion());
    line("expat", XML_ExpatVersion());
    line("libpsl", psl_get_version());
    line("OpenSSL", OpenSSL_version(OPENSSL_VERSION_STRING));
    return text;
}

} // namespace egressmon::app
