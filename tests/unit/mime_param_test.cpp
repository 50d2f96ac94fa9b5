// mime_param / mime_charset: the file names MIME and HTTP headers carry, decoded to UTF-8.

#include <string>

#include <gtest/gtest.h>

#include "dpi/decode/mime/mime_charset.h"
#include "dpi/decode/mime/mime_header.h"
#include "dpi/decode/mime/mime_param.h"

namespace egressmon::dpi {
namespace {

std::string filename(std::string_view value) {
    const std::string name = mimeFileNameParam(value, "filename");
    EXPECT_TRUE(isValidUtf8(name)) << value;
    EXPECT_LE(name.size(), kMaxMimeFileName) << value;
    return name;
}

TEST(MimeParam, PlainQuotedAndUnquoted) {
    EXPECT_EQ(filename("attachment; filename=\"plan.txt\""), "plan.txt");
    EXPECT_EQ(filename("attachment; FileName = plan.txt ; size=3"), "plan.txt");
    EXPECT_EQ(filename("attachment; name=\"a\"; filename=\"b;c.txt\"; x=1"), "b;c.txt");
    EXPECT_EQ(filename("attachment; size=3"), "");
    EXPECT_EQ(filename("attachment"), "");
    EXPECT_EQ(filename("attachment; filename=\"\""), "");
    // Content-Type's "name" is not "filename", and vice versa.
    EXPECT_EQ(mimeFileNameParam("text/plain; filename=a.txt", "name"), "");
    EXPECT_EQ(mimeFileNameParam("text/plain; name=a.txt", "name"), "a.txt");
}

TEST(MimeParam, QuotedStringEscapes) {
    EXPECT_EQ(filename(R"(attachment; filename="say \"hi\".txt")"), "say \"hi\".txt");
    EXPECT_EQ(filename(R"(attachment; filename="a\\b.txt")"), "a\\b.txt");
    // Browsers send Windows paths unescaped: a backslash before anything else stays.
    EXPECT_EQ(filename(R"(form-data; name="f"; filename="C:\Users\a\plan.docx")"),
              "C:\\Users\\a\\plan.docx");
    EXPECT_EQ(filename("attachment; filename=\"unterminated.txt"), "unterminated.txt");
    EXPECT_EQ(filename("attachment; filename=\"trailing\\"), "trailing\\");
}

TEST(MimeParam, ExtendedValueWinsOverPlain) {
    EXPECT_EQ(filename("attachment; filename=\"fallback.docx\"; "
                       "filename*=UTF-8''%E7%BB%9D%E5%AF%86.docx"),
              "绝密.docx");
    EXPECT_EQ(filename("attachment; filename*=utf-8'zh-CN'%E7%BB%9D%E5%AF%86.docx; "
                       "filename=\"fallback.docx\""),
              "绝密.docx");
    EXPECT_EQ(filename("attachment; filename*=GBK''%BE%F8%C3%DC.docx"), "绝密.docx");
    EXPECT_EQ(filename("attachment; filename*=iso-8859-1'en'R%E9sum%E9.pdf"), "Résumé.pdf");
    EXPECT_EQ(filename("attachment; filename*=windows-1252''%80.txt"), "€.txt");
    EXPECT_EQ(filename("attachment; filename*=big5''%BE%F7%B1K.doc"), "機密.doc");
    // Quoted, against the RFC, as some clients do.
    EXPECT_EQ(filename("attachment; filename*=\"UTF-8''a%20b.txt\""), "a b.txt");
}

TEST(MimeParam, Continuations) {
    EXPECT_EQ(filename("attachment; filename*0*=UTF-8''%E7%BB%9D; filename*1*=%E5%AF%86; "
                       "filename*2=\".docx\""),
              "绝密.docx");
    // Out of order on the wire: joined in index order.
    EXPECT_EQ(filename("attachment; filename*1=\"two\"; filename*0=\"one-\""), "one-two");
    // A missing index ends the name; what came before it is kept.
    EXPECT_EQ(filename("attachment; filename*0=\"a\"; filename*2=\"c\""), "a");
    // No section 0: the plain value is used.
    EXPECT_EQ(filename("attachment; filename*1=\"b\"; filename=\"plain.txt\""), "plain.txt");
    // Encoded words split across plain sections (seen from Outlook).
    EXPECT_EQ(filename("attachment; filename*0=\"=?UTF-8?B?57ud5a+GLmRv\"; "
                       "filename*1=\"Y3g=?=\""),
              "绝密.docx");
    // Indexes past the bound are ignored, not stored.
    EXPECT_EQ(filename("attachment; filename*0=\"a\"; filename*64=\"z\"; filename*999=\"y\""), "a");
    EXPECT_EQ(filename("attachment; filename*x=\"z\"; filename*=''ok"), "ok");
}

TEST(MimeParam, EncodedWords) {
    EXPECT_EQ(filename("attachment; filename=\"=?UTF-8?B?57ud5a+GLmRvY3g=?=\""), "绝密.docx");
    EXPECT_EQ(filename("attachment; filename=\"=?GBK?Q?=BE=F8=C3=DC.docx?=\""), "绝密.docx");
    EXPECT_EQ(filename("attachment; filename=\"=?gb2312?b?vvjD3A==?=.txt\""), "绝密.txt");
    // Whitespace between adjacent words is dropped; a character split across words survives.
    EXPECT_EQ(filename("attachment; filename=\"=?UTF-8?B?57ud5Q==?=\r\n =?UTF-8?B?r4Y=?=\""),
              "绝密");
    EXPECT_EQ(filename("attachment; filename=\"=?UTF-8?B?57ud5a+G?= =?UTF-8?B?6K6h5YiS?=\""),
              "绝密计划");
    // Text around words is kept, with its spaces; Q's '_' is a space.
    EXPECT_EQ(filename("attachment; filename=\"Q3 =?utf-8?q?plan_v2?=.txt\""), "Q3 plan v2.txt");
    EXPECT_EQ(filename("attachment; filename==?UTF-8?B?57ud5a+G?="), "绝密");
}

TEST(MimeParam, RawEightBitNames) {
    EXPECT_EQ(filename("attachment; filename=\"绝密.docx\""), "绝密.docx");
    EXPECT_EQ(filename("attachment; filename=\"\xBE\xF8\xC3\xDC.docx\""), "绝密.docx");
    EXPECT_EQ(filename("attachment; filename=\"\xBB\xFA\xC3\xDC\xCE\xC4\xBC\xFE.txt\""),
              "机密文件.txt");
}

TEST(MimeParam, MalformedFormsGiveSaneNames) {
    // Bad percent escapes stay as sent.
    EXPECT_EQ(filename("attachment; filename*=UTF-8''100%.txt"), "100%.txt");
    EXPECT_EQ(filename("attachment; filename*=UTF-8''%G1%4"), "%G1%4");
    // No charset'language' part: percent-decoded bytes, unlabelled.
    EXPECT_EQ(filename("attachment; filename*=%E7%BB%9D%E5%AF%86"), "绝密");
    // Unterminated or malformed encoded words are literal text.
    EXPECT_EQ(filename("attachment; filename=\"=?UTF-8?B?57ud5a+G\""), "=?UTF-8?B?57ud5a+G");
    EXPECT_EQ(filename("attachment; filename=\"=?UTF-8?X?abc?=\""), "=?UTF-8?X?abc?=");
    EXPECT_EQ(filename("attachment; filename=\"=??B?abc?=\""), "=??B?abc?=");
    EXPECT_EQ(filename("attachment; filename=\"a=?b\""), "a=?b");
    // Unknown charset: UTF-8 kept, anything else replaced.
    EXPECT_EQ(filename("attachment; filename*=x-unknown''%E7%BB%9D.txt"), "绝.txt");
    EXPECT_EQ(filename("attachment; filename*=x-unknown''%FF.txt"), "\xEF\xBF\xBD.txt");
    EXPECT_EQ(filename("attachment; filename=\"=?koi8-u?B?/w==?=\""), "\xEF\xBF\xBD");
    // Bytes invalid in a known charset: replaced, conversion goes on.
    EXPECT_EQ(filename("attachment; filename*=gb18030''%FF%BE%F8.txt"), "\xEF\xBF\xBD绝.txt");
    EXPECT_EQ(filename("attachment; filename*=gbk''a%BE"), "a\xEF\xBF\xBD");
    EXPECT_EQ(filename("attachment; filename*=utf-8''%C0%AFx"), "\xEF\xBF\xBD\xEF\xBF\xBDx");
    EXPECT_EQ(filename("attachment; filename*=us-ascii''%00a"), std::string("\0a", 2));
}

TEST(MimeParam, OverLongNamesAreCutOnACharacterBoundary) {
    std::string value = "attachment; filename*=UTF-8''";
    for (int i = 0; i < 200; ++i)
        value += "%E7%BB%9D"; // 3 bytes each: 85 whole characters fill the 255 bytes
    EXPECT_EQ(filename(value).size(), 255u);
    value = "attachment; filename*=UTF-8''a";
    for (int i = 0; i < 200; ++i)
        value += "%E7%BB%9D";
    const std::string cut = filename(value);
    EXPECT_EQ(cut.size(), 253u); // "a" + 84 characters; the 85th would end at 256
    EXPECT_EQ(cut.substr(0, 4), "a绝");
    EXPECT_EQ(filename("attachment; filename=\"" + std::string(10000, 'x') + "\"").size(),
              kMaxMimeFileName);
}

TEST(MimeCharset, Utf8Validation) {
    EXPECT_TRUE(isValidUtf8("绝密 plan \xF0\x9F\x98\x80"));
    EXPECT_FALSE(isValidUtf8("\xC0\xAF"));         // overlong
    EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));     // surrogate
    EXPECT_FALSE(isValidUtf8("\xF4\x90\x80\x80")); // above U+10FFFF
    EXPECT_FALSE(isValidUtf8("\xE7\xBB"));         // cut
}

TEST(MimeCharset, TruncateKeepsWholeCharacters) {
    std::string s = "a绝密";
    truncateUtf8(s, 5);
    EXPECT_EQ(s, "a绝");
    s = "a绝密";
    truncateUtf8(s, 7);
    EXPECT_EQ(s, "a绝密");
    truncateUtf8(s, 0);
    EXPECT_EQ(s, "");
}

TEST(MimeHeader, FileNameFieldsAreDecoded) {
    MimeEntityInfo info;
    applyMimeHeaderField("Content-Type: application/octet-stream; "
                         "name=\"=?UTF-8?B?57ud5a+GLmRvY3g=?=\"",
                         info);
    EXPECT_EQ(info.file_name, "绝密.docx");
    applyMimeHeaderField("Content-Type: text/plain; name=other.txt", info); // first name kept
    EXPECT_EQ(info.file_name, "绝密.docx");
    applyMimeHeaderField("Content-Disposition: attachment; filename*=GBK''%BB%FA%C3%DC.txt",
                         info); // the disposition wins
    EXPECT_EQ(info.file_name, "机密.txt");
}

} // namespace
} // namespace egressmon::dpi
