// The file name of an HTTP body's root layer: Content-Disposition, else (raw request bodies)
// the last segment of the URL path.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dpi/decode/http/http_body_file_name.h"
#include "dpi/decode/http/http_decoder.h"
#include "dpi/decode/mime/mime_charset.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

// The file name the sink saw for each layer, in begin order.
std::vector<std::string> layerFileNames(std::string_view stream, bool requests) {
    HttpDecoderCounters counters;
    HttpDecoder d(requests, HttpDecoderLimits{}, counters, nullptr);
    test::RecordingSink sink;
    d.onData(test::u8(stream), static_cast<uint32_t>(stream.size()), sink);
    d.onEnd(sink);
    return sink.file_names;
}

std::string targetName(std::string_view target) {
    const std::string name = requestTargetFileName(target);
    EXPECT_TRUE(isValidUtf8(name)) << target;
    EXPECT_LE(name.size(), kMaxMimeFileName) << target;
    return name;
}

TEST(HttpBodyFileName, LastPathSegmentPercentDecoded) {
    EXPECT_EQ(targetName("/upload/%E7%BB%9D%E5%AF%86.docx"), "绝密.docx");
    EXPECT_EQ(targetName("/upload/plan.docx?session=1&x=/y.txt"), "plan.docx");
    EXPECT_EQ(targetName("/a/b+c%20d.txt#frag"), "b+c d.txt");
    EXPECT_EQ(targetName("http://files.example.com/dav/report.pdf?v=2"), "report.pdf");
    EXPECT_EQ(targetName("HTTPS://files.example.com/%BE%F8%C3%DC.txt"), "绝密.txt"); // GBK
    EXPECT_EQ(targetName("/upload/%E7%BB%9D%E5%AF%86.docx"), "绝密.docx");
}

TEST(HttpBodyFileName, NoNameWhereThePathNamesNone) {
    EXPECT_EQ(targetName("/upload/"), "");
    EXPECT_EQ(targetName("/"), "");
    EXPECT_EQ(targetName("/?file=a.txt"), "");
    EXPECT_EQ(targetName("*"), "");
    EXPECT_EQ(targetName("example.com:443"), "");
    EXPECT_EQ(targetName("http://example.com"), "");
    EXPECT_EQ(targetName("http://example.com?a/b"), "");
    EXPECT_EQ(targetName("/a/."), "");
    EXPECT_EQ(targetName("/a/%2E%2E"), "");
}

TEST(HttpBodyFileName, MalformedTargetsGiveSaneNames) {
    EXPECT_EQ(targetName("/up/100%.txt"), "100%.txt");
    EXPECT_EQ(targetName("/up/%G1%4"), "%G1%4");
    EXPECT_EQ(targetName("/up/%FF%FE"), "\xEF\xBF\xBD\xEF\xBF\xBD"); // neither UTF-8 nor GB18030
    EXPECT_EQ(targetName("/up/" + std::string(2000, 'a')).size(), kMaxMimeFileName);
    std::string cjk = "/up/";
    for (int i = 0; i < 100; ++i)
        cjk += "x%E7%BB%9D";
    EXPECT_EQ(targetName(cjk).size(), 253u); // 63 "x绝" and the 64th "x": its 绝 does not fit
}

TEST(HttpBodyFileName, RawPutBodyIsNamedByItsPath) {
    EXPECT_EQ(layerFileNames("PUT /upload/%E7%BB%9D%E5%AF%86.docx HTTP/1.1\r\n"
                             "Content-Length: 4\r\n\r\nDATA",
                             true),
              (std::vector<std::string>{"", "绝密.docx"})); // the decoded URI, then the body
    EXPECT_EQ(layerFileNames("POST /api/upload/ HTTP/1.1\r\nContent-Length: 4\r\n\r\nDATA", true),
              (std::vector<std::string>{""}));
}

TEST(HttpBodyFileName, ContentDispositionWinsOverThePath) {
    EXPECT_EQ(layerFileNames("POST /upload HTTP/1.1\r\nContent-Length: 4\r\n"
                             "Content-Disposition: attachment; filename=\"plan.txt\"; "
                             "filename*=UTF-8''%E8%AE%A1%E5%88%92.txt\r\n\r\nDATA",
                             true),
              (std::vector<std::string>{"计划.txt"}));
}

TEST(HttpBodyFileName, FormAndMultipartBodiesAreNotNamedByThePath) {
    EXPECT_EQ(layerFileNames("POST /submit.php HTTP/1.1\r\nContent-Length: 3\r\n"
                             "Content-Type: application/x-www-form-urlencoded\r\n\r\na=b",
                             true),
              (std::vector<std::string>{"", ""})); // the body and its decoded form
    const std::string body = "--B\r\nContent-Disposition: form-data; name=\"f\"; "
                             "filename=\"\xBE\xF8\xC3\xDC.docx\"\r\n\r\nDATA\r\n--B--\r\n";
    EXPECT_EQ(layerFileNames("POST /upload/x.bin HTTP/1.1\r\n"
                             "Content-Type: multipart/form-data; boundary=B\r\n"
                             "Content-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body,
                             true),
              (std::vector<std::string>{"", "绝密.docx"})); // the part's own name, decoded
}

TEST(HttpBodyFileName, ResponsesAreNamedByContentDispositionOnly) {
    EXPECT_EQ(layerFileNames("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n"
                             "Content-Disposition: attachment; filename=\"=?GBK?B?vvjD3A==?=.xlsx\""
                             "\r\n\r\nDATA",
                             false),
              (std::vector<std::string>{"绝密.xlsx"}));
    EXPECT_EQ(layerFileNames("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nDATA", false),
              (std::vector<std::string>{""}));
}

} // namespace
} // namespace egressmon::dpi
