#pragma once
// The registrable domain of a DNS name ("a.b.example.co.uk" -> "example.co.uk") by the Public
// Suffix List, through libpsl: the list Debian ships in /usr/share/publicsuffix (psl_latest:
// the newer of that file and the library's built-in copy), or the built-in list alone when the
// file cannot be read. Both sections of the list are used (ICANN and private), as libpsl does:
// each CloudFront distribution or blogspot site is a domain of its own, because its owner, not
// the platform, chooses the names under it.
//
// A name under a TLD the list does not know gets libpsl's implicit "*" rule ("x.pirate.sea" ->
// "pirate.sea"); a name that is itself a public suffix ("co.uk", "sea"), the root, or a name
// libpsl refuses (a leading dot) is its own registered domain.
//
// Thread: the list is loaded once (constructor, may throw); lookups are const, noexcept and
// allocate nothing, so one instance may serve every worker (libpsl's lookups are read-only).

#include <libpsl.h>
#include <memory>
#include <string_view>

#include "core/c_handle.h"

namespace egressmon::dpi {

class RegisteredDomains {
  public:
    enum class Source : uint8_t { kDistributionFile, kBuiltin };

    // Loads the list (psl_latest, else psl_builtin). Throws std::runtime_error when libpsl has
    // neither (a library built without a built-in list and no readable file).
    RegisteredDomains();

    // The registrable domain of `name` (lower-case dotted text, as DnsMessage gives it; one
    // trailing dot ignored): always a suffix of `name`, so the view points into `name`.
    std::string_view registeredDomain(std::string_view name) const noexcept;

    // The part of `name` left of its registered domain, without the joining dot ("a.b" for
    // "a.b.example.co.uk"; empty when the name is its own registered domain).
    static std::string_view subdomainPart(std::string_view name,
                                          std::string_view registered) noexcept;

    Source source() const noexcept { return source_; }
    std::string_view sourceName() const noexcept; // the file's path, or "libpsl built-in list"

  private:
    // psl_latest may return the built-in context (never to be freed; psl_free ignores it).
    using PslHandle = core::CHandle<psl_ctx_t, psl_free>;
    PslHandle owned_;
    const psl_ctx_t* psl_ = nullptr;
    Source source_ = Source::kBuiltin;
};

} // namespace egressmon::dpi
