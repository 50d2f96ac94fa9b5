// The policy subcommands. Argument parsing is its own small loop: these commands share no
// option with the sensor, and app/options.cpp stays the sensor's alone.

#include "policy_command.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <unistd.h>

#include "app/bundle_file.h"
#include "app/policy_publish.h"
#include "core/path_trust.h"
#include "core/unique_fd.h"
#include "fleet/bundle_signer.h"
#include "fleet/bundle_verifier.h"
#include "rules/rule_set.h"

namespace egressmon::app {

namespace {

struct PolicyError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// "--name VALUE" or "--name=VALUE" at args[i]; advances i past what it used.
std::optional<std::string> optionValue(const std::vector<std::string>& args, size_t& i,
                                       const std::string& name) {
    const std::string& arg = args[i];
    if (arg == name) {
        if (i + 1 >= args.size()) throw PolicyError(name + " needs a value");
        i += 1;
        return args[i];
    }
    if (arg.rfind(name + "=", 0) == 0) return arg.substr(name.size() + 1);
    return std::nullopt;
}

uint64_t parseBundleVersion(const std::string& text) {
    uint64_t value = 0;
    bool ok = !text.empty() && text.size() <= 20 && text[0] != '0';
    for (const char c : text)
        ok = ok && c >= '0' && c <= '9';
    if (ok) {
        errno = 0;
        value = std::strtoull(text.c_str(), nullptr, 10);
        ok = errno == 0;
    }
    if (!ok)
        throw PolicyError("--bundle-version: expected a whole number from 1, got '" + text + "'");
    return value;
}

uint64_t nowMillis() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
// reader (a publisher, a sensor's cache) never sees half a bundle.
void writeFileAtomically(const std::string& path, const std::string& bytes) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    core::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) throw PolicyError("cannot write '" + tmp + "': " + std::strerror(errno));
    for (size_t done = 0; done < bytes.size();) {
        const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const std::string why = std::strerror(errno);
            ::unlink(tmp.c_str());
            throw PolicyError("cannot write '" + tmp + "': " + why);
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0 ||
        ::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        throw PolicyError("cannot write '" + path + "': " + why);
    }
}

int sign(const std::vector<std::string>& args, std::ostream& out) {
    std::string key_path, out_path;
    std::optional<uint64_t> version;
    std::vector<std::string> rule_paths;
    for (size_t i = 0; i < args.size(); ++i) {
        if (auto v = optionValue(args, i, "--key")) {
            key_path = *v;
        } else if (auto v = optionValue(args, i, "--out")) {
            out_path = *v;
        } else if (auto v = optionValue(args, i, "--bundle-version")) {
            version = parseBundleVersion(*v);
        } else if (args[i].size() > 1 && args[i][0] == '-') {
            throw PolicyError("policy sign: unknown option '" + args[i] + "'");
        } else {
            rule_paths.push_back(args[i]);
        }
    }
    if (key_path.empty()) throw PolicyError("policy sign: --key PRIVATE.pem is required");
    if (out_path.empty()) throw PolicyError("policy sign: --out BUNDLE is required");
    if (rule_paths.empty()) throw PolicyError("policy sign: no rule file given");

    const fleet::BundleLimits limits;
    std::vector<fleet::BundleFile> files;
    std::vector<rules::RuleText> texts;
    for (const std::string& path : rule_paths) {
        // A bundle names each file by its base name: that is what a sensor's messages will say.
        const std::string name = std::filesystem::path(path).filename().string();
        if (const std::string why = fleet::whyBadFileName(name, limits); !why.empty())
            throw PolicyError("rule file '" + path + "' cannot go in a bundle: " + why);
        for (const fleet::BundleFile& f : files)
            if (f.name == name)
                throw PolicyError("two rule files named '" + name +
                                  "' (a bundle keeps base names)");
        std::string text = core::readTrustedFileOrThrow<PolicyError>(path, "rule file");
        texts.push_back(rules::RuleText{name, text});
        files.push_back(fleet::BundleFile{name, std::move(text)});
    }
    if (files.size() > limits.max_files)
        throw PolicyError(std::to_string(files.size()) + " rule files (a bundle holds at most " +
                          std::to_string(limits.max_files) + ")");
    // Sign only what every sensor will accept: the rules compile here first.
    const auto rule_set = rules::RuleSet::loadTexts(texts);

    const fleet::BundleSigner signer(fleet::readPrivateKeyFile(key_path));
    const uint64_t created = nowMillis();
    const fleet::PolicyBundle bundle =
        signer.sign(std::move(files), version.value_or(created), created);
    const std::string bytes = fleet::serializeBundle(bundle);
    if (const fleet::ParsedBundle back = fleet::parseBundle(bytes, limits); !back.bundle)
        throw PolicyError("cannot make a bundle of these files: " + back.error);
    writeFileAtomically(out_path, bytes);
    out << "signed " << out_path << ": version " << bundle.version << ", key id " << bundle.key_id
        << ", " << bundle.files.size() << " file(s), policy version " << rule_set->policyVersion()
        << "\n";
    return 0;
}

int verify(const std::vector<std::string>& args, std::ostream& out) {
    std::vector<std::string> key_paths, bundles;
    for (size_t i = 0; i < args.size(); ++i) {
        if (auto v = optionValue(args, i, "--public-key"))
            key_paths.push_back(*v);
        else if (args[i].size() > 1 && args[i][0] == '-')
            throw PolicyError("policy verify: unknown option '" + args[i] + "'");
        else
            bundles.push_back(args[i]);
    }
    if (key_paths.empty()) throw PolicyError("policy verify: --public-key PUB.pem is required");
    if (bundles.size() != 1) throw PolicyError("policy verify: expected one BUNDLE");
    std::vector<fleet::EvpPkey> keys;
    for (const std::string& path : key_paths)
        keys.push_back(fleet::readPublicKeyFile(path));
    const fleet::BundleVerifier verifier(std::move(keys));
    const fleet::VerifyResult result = verifier.verify(readBundleFile(bundles[0], {}));
    if (!result.ok()) throw PolicyError(bundles[0] + ": " + result.error);
    const fleet::PolicyBundle& b = *result.bundle;
    out << "bundle: " << bundles[0] << "\n"
        << "version: " << b.version << "\n"
        << "created: " << fleet::formatUtcMillis(b.created_ms) << "\n"
        << "key-id: " << b.key_id << "\n";
    for (const fleet::BundleFile& f : b.files)
        out << "file: " << f.name << " (" << f.bytes.size() << " bytes)\n";
    out << "policy-version: " << result.rules->policyVersion() << "\n";
    return 0;
}

} // namespace

std::string policyUsageText() {
    return "usage: egressmon policy sign --key PRIVATE.pem --out BUNDLE [--bundle-version N] "
           "RULES.yaml...\n"
           "       egressmon policy verify --public-key PUB.pem [--public-key ...] BUNDLE\n"
           "       egressmon policy publish --brokers HOST:PORT[,...] --topic TOPIC "
           "[--group NAME] [--property KEY=VALUE]... [--timeout SECONDS] BUNDLE\n";
}

int runPolicyCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
            out << policyUsageText();
            return 0;
        }
        const std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
        if (!args.empty() && args[0] == "sign") return sign(rest, out);
        if (!args.empty() && args[0] == "verify") return verify(rest, out);
        if (!args.empty() && args[0] == "publish") return publishPolicy(rest, out);
        throw PolicyError(args.empty() ? "policy: expected 'sign', 'verify' or 'publish'"
                                       : "policy: unknown command '" + args[0] +
                                             "' (expected 'sign', 'verify' or 'publish')");
    } catch (const std::exception& e) {
        err << "egressmon: " << e.what() << "\n";
        return 2;
    }
}

} // namespace egressmon::app
