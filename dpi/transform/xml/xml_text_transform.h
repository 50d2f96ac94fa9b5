#pragma once
// The text of office documents: an archive entry (a "zip.entry" layer) whose name is one of the
// XML parts that hold a document's text — word/document.xml, headers, footers, notes and
// comments; xl/sharedStrings.xml, worksheets and comments; ppt slides and notes; ODF
// content.xml and styles.xml — is read by an XmlTextExtractor into one "document.text" layer,
// scanned like any other. The entry's own layer (the markup) is scanned too: the text layer
// adds what markup hides (Word's split runs, numeric character references).
//
// A part that does not end well-formed (malformed, over a bound, cut by a hole) is counted in
// the "xml" group and told to the sink as uninspectable (FileNote), keeping the text so far.
//
// Thread: the worker owning the decoder. Memory: expat's parser and the extractor's 4 KiB.

#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "dpi/transform/transform.h"

namespace egressmon::dpi {

// The vocabulary of an archive entry by its name; none for an entry that is not a text part.
std::optional<XmlFormat> xmlTextPartFormat(std::string_view entry_name) noexcept;

bool xmlTextApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept;
std::unique_ptr<Transform> makeXmlTextTransform(TransformContext& ctx, const LayerInfo& layer,
                                                LayerId parent);

} // namespace egressmon::dpi
