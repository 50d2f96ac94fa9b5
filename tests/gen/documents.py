#!/usr/bin/env python3
"""Documents and archives with known keyword placements, for egressmon's file extraction tests.

Each case is one real file that the tool which owns its format opens (unzip, file, pdftotext,
tar, gzip: test_documents.py checks), with a keyword placed where a naive byte scan misses it:
inside deflate, split across Word runs, as XML character references, in a PDF TJ array with
kerning, behind a CJK font's ToUnicode CMap, in RTF hex escapes of GBK bytes, inside nested
archives. Encrypted files (ZipCrypto, RC4 PDF, RAR 4 and RAR 5, 7zAES with and without
encrypted headers, a password-protected docx, which is a Compound File, and legacy .doc and
.xls with RC4: sealed_files.py) are to be caught by a file rule, not by their text. The negatives
are the same files with no keyword at all.

    python3 tests/gen/documents.py OUTDIR   # every case as OUTDIR/<name>, plus manifest.json

manifest.json lists per file: ``name``, ``type`` (the contract's type name), ``keyword`` (the
text a rule must find, or null), ``path`` (where the keyword is, outermost first, starting with
the file itself; null when there is no keyword), ``encrypted`` and ``note``.

Standard library only. Every timestamp is fixed, so the bytes are the same on every run.
"""

import base64
import gzip
import hashlib
import hmac
import io
import json
import os
import struct
import sys
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sealed_files  # noqa: E402
from zip_files import ZipCrypto, build_archive, raw_deflate  # noqa: E402

TOP_SECRET = "TOP SECRET"
JUEMI = "\u7edd\u5bc6"  # 绝密
JIMI = "\u673a\u5bc6"   # 机密
# An 18-digit resident identity number (GB 11643) whose check digit is a digit, so that a
# spreadsheet can hold it as a number.
ID_NUMBER = "110105194912310038"
ZIP_PASSWORD = b"password"
DATE = (2024, 5, 17, 9, 30, 0)
MTIME = 1715938200  # 2024-05-17T09:30:00Z, for tar headers

XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def gb11643_check_digit(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


assert gb11643_check_digit(ID_NUMBER[:17]) == ID_NUMBER[17]


# --- ZIP containers ---------------------------------------------------------------------------

def zip_container(entries: Sequence[Tuple[str, bytes]], *, stored: Sequence[str] = ()) -> bytes:
    """A ZIP of ``entries`` in order, deflated except the names in ``stored``; fixed dates."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return out.getvalue()


def xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- OOXML: docx, xlsx, pptx ------------------------------------------------------------------

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


def content_types(overrides: Sequence[Tuple[str, str]]) -> bytes:
    parts = "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
    return (XML_HEAD + f'<Types xmlns="{CT_NS}">'
            '<Default Extension="rels" ContentType='
            '"application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f"{parts}</Types>").encode()


def relationships(rels: Sequence[Tuple[str, str, str]]) -> bytes:
    """rels: (Id, relationship type tail under officeDocument/2006/relationships/, target)."""
    body = "".join(f'<Relationship Id="{i}" Type="{OFFICE_REL}/{t}" Target="{target}"/>'
                   for i, t, target in rels)
    return (XML_HEAD + f'<Relationships xmlns="{REL_NS}">{body}</Relationships>').encode()


def paragraph(runs_xml: str) -> str:
    return f"<w:p>{runs_xml}</w:p>"


def run(text_xml: str, bold: bool = False) -> str:
    """One w:r; ``text_xml`` is already escaped (it may hold character references)."""
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{text_xml}</w:t></w:r>'


def docx(paragraphs_xml: Sequence[str], header_xml: Optional[str] = None) -> bytes:
    """A WordprocessingML package: [Content_Types].xml first (``file`` looks for it there),
    the main document, and with ``header_xml`` a header part referenced from the section."""
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    overrides = [("/word/document.xml", f"{main}.document.main+xml")]
    doc_rels = []
    sect = ""
    if header_xml is not None:
        overrides.append(("/word/header1.xml", f"{main}.header+xml"))
        doc_rels.append(("rId1", "header", "header1.xml"))
        sect = '<w:sectPr><w:headerReference w:type="default" r:id="rId1"/></w:sectPr>'
    document = (XML_HEAD + f"<w:document {W_NS} {R_NS}><w:body>" + "".join(paragraphs_xml) +
                sect + "</w:body></w:document>").encode()
    entries = [("[Content_Types].xml", content_types(overrides)),
               ("_rels/.rels", relationships([("rId1", "officeDocument", "word/document.xml")])),
               ("word/document.xml", document)]
    if header_xml is not None:
        entries.append(("word/_rels/document.xml.rels", relationships(doc_rels)))
        entries.append(("word/header1.xml", (XML_HEAD + f"<w:hdr {W_NS} {R_NS}>" + header_xml +
                                             "</w:hdr>").encode()))
    return zip_container(entries)


BODY_TEXT = "Quarterly plan for the Aurora programme. "


def docx_single_run() -> bytes:
    return docx([paragraph(run(BODY_TEXT)), paragraph(run(f"Classification: {TOP_SECRET}"))])


def docx_split_runs() -> bytes:
    """Word closes a run at every formatting change: "TOP " plain, "SECRET" bold."""
    return docx([paragraph(run(BODY_TEXT)),
                 paragraph(run("Classification: TOP ") + run("SECRET", bold=True))])


def docx_numeric_references() -> bytes:
    """绝密 written as decimal character references, as some generators escape non-ASCII."""
    refs = "".join(f"&#{ord(c)};" for c in JUEMI)
    return docx([paragraph(run(BODY_TEXT)), paragraph(run(f"\u5bc6\u7ea7: {refs}"))])


def docx_header() -> bytes:
    """The marking only in the page header (word/header1.xml), not in the body."""
    return docx([paragraph(run(BODY_TEXT))],
                header_xml=paragraph(run(f"{JIMI} \u6587\u4ef6")))


def docx_clean() -> bytes:
    return docx([paragraph(run(BODY_TEXT)), paragraph(run("Classification: public"))])


SS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def xlsx(rows_xml: str, shared: Optional[Sequence[str]] = None) -> bytes:
    """A SpreadsheetML package with one sheet; ``shared`` fills xl/sharedStrings.xml."""
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    overrides = [("/xl/workbook.xml", f"{main}.sheet.main+xml"),
                 ("/xl/worksheets/sheet1.xml", f"{main}.worksheet+xml")]
    wb_rels = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    if shared is not None:
        overrides.append(("/xl/sharedStrings.xml", f"{main}.sharedStrings+xml"))
        wb_rels.append(("rId2", "sharedStrings", "sharedStrings.xml"))
    workbook = (XML_HEAD + f'<workbook xmlns="{SS_MAIN}" {R_NS}><sheets>'
                '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>').encode()
    sheet = (XML_HEAD + f'<worksheet xmlns="{SS_MAIN}"><sheetData>{rows_xml}</sheetData>'
             "</worksheet>").encode()
    entries = [("[Content_Types].xml", content_types(overrides)),
               ("_rels/.rels", relationships([("rId1", "officeDocument", "xl/workbook.xml")])),
               ("xl/workbook.xml", workbook),
               ("xl/_rels/workbook.xml.rels", relationships(wb_rels)),
               ("xl/worksheets/sheet1.xml", sheet)]
    if shared is not None:
        items = "".join(f"<si><t>{xml_text(s)}</t></si>" for s in shared)
        entries.append(("xl/sharedStrings.xml", (
            XML_HEAD + f'<sst xmlns="{SS_MAIN}" count="{len(shared)}" '
            f'uniqueCount="{len(shared)}">{items}</sst>').encode()))
    return zip_container(entries)


def xlsx_shared_strings() -> bytes:
    """The sheet holds only indexes (t="s"); the text is in xl/sharedStrings.xml."""
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>42</v></c></row>')
    return xlsx(rows, shared=["Project", "Level", f"{JIMI} \u9879\u76ee"])


def xlsx_inline_string() -> bytes:
    """An inline string cell (t="inlineStr", <is><t>), no shared strings part."""
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Classification</t></is></c>'
            f'<c r="B1" t="inlineStr"><is><t>{TOP_SECRET}</t></is></c></row>')
    return xlsx(rows)


def xlsx_id_number() -> bytes:
    """An 18-digit identity number stored as a numeric cell, as a careless export does."""
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'
            f'<row r="2"><c r="A2"><v>{ID_NUMBER}</v></c></row>')
    return xlsx(rows)


def xlsx_clean() -> bytes:
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>7</v></c></row>'
    return xlsx(rows, shared=["public figures"])


P_NS = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
A_NS = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'


def pptx(slide_text: str) -> bytes:
    """A PresentationML package with one slide holding one text box."""
    main = "application/vnd.openxmlformats-officedocument.presentationml"
    overrides = [("/ppt/presentation.xml", f"{main}.presentation.main+xml"),
                 ("/ppt/slides/slide1.xml", f"{main}.slide+xml")]
    presentation = (XML_HEAD + f"<p:presentation {P_NS} {R_NS}>"
                    '<p:sldIdLst><p:sldId id="256" r:id="rId1"/></p:sldIdLst>'
                    '<p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>'
                    "</p:presentation>").encode()
    slide = (XML_HEAD + f"<p:sld {P_NS} {A_NS} {R_NS}><p:cSld><p:spTree>"
             '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
             "<p:grpSpPr/>"
             '<p:sp><p:nvSpPr><p:cNvPr id="2" name="Title 1"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr>'
             "<p:spPr/><p:txBody><a:bodyPr/><a:p><a:r><a:rPr lang=\"en-US\"/>"
             f"<a:t>{xml_text(slide_text)}</a:t></a:r></a:p></p:txBody></p:sp>"
             "</p:spTree></p:cSld></p:sld>").encode()
    return zip_container([
        ("[Content_Types].xml", content_types(overrides)),
        ("_rels/.rels", relationships([("rId1", "officeDocument", "ppt/presentation.xml")])),
        ("ppt/presentation.xml", presentation),
        ("ppt/_rels/presentation.xml.rels",
         relationships([("rId1", "slide", "slides/slide1.xml")])),
        ("ppt/slides/slide1.xml", slide)])


def pptx_slide_text() -> bytes:
    return pptx(f"Aurora roadmap - {TOP_SECRET}")


# --- OpenDocument: odt, ods, odp --------------------------------------------------------------

ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
          'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"')
ODF_MIME = "application/vnd.oasis.opendocument."


def odf(kind: str, body_xml: str) -> bytes:
    """An OpenDocument package: ``mimetype`` first and stored (ODF 1.2 part 3, 3.3), so that
    the type can be read at a fixed offset; then the manifest and content.xml."""
    mime = ODF_MIME + kind
    manifest = (XML_HEAD + '<manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mime}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/></manifest:manifest>').encode()
    content = (XML_HEAD + f'<office:document-content {ODF_NS} office:version="1.2">'
               f"<office:body>{body_xml}</office:body></office:document-content>").encode()
    return zip_container([("mimetype", mime.encode()),
                          ("META-INF/manifest.xml", manifest),
                          ("content.xml", content)], stored=["mimetype"])


def odt_text() -> bytes:
    return odf("text", "<office:text><text:p>Aurora</text:p>"
                       f"<text:p>\u5bc6\u7ea7\uff1a<text:span>{JUEMI}</text:span></text:p>"
                       "</office:text>")


def ods_cell() -> bytes:
    return odf("spreadsheet", '<office:spreadsheet><table:table table:name="Sheet1">'
                              "<table:table-row><table:table-cell office:value-type=\"string\">"
                              f"<text:p>{TOP_SECRET}</text:p></table:table-cell>"
                              "</table:table-row></table:table></office:spreadsheet>")


def odp_slide() -> bytes:
    return odf("presentation", '<office:presentation><draw:page draw:name="page1">'
                               '<draw:frame><draw:text-box>'
                               f"<text:p>{JIMI} roadmap</text:p></draw:text-box></draw:frame>"
                               "</draw:page></office:presentation>")


# --- archives around documents ----------------------------------------------------------------

def zip_with_docx_in_folder() -> bytes:
    return zip_container([("q3/", b""), ("q3/readme.txt", b"plans for q3\n"),
                          ("q3/plan.docx", docx_single_run())])


def zip_of_zip() -> bytes:
    """inner.zip stored inside outer: the docx is two archives down."""
    inner = zip_container([("plan.docx", docx_split_runs())])
    return zip_container([("inner.zip", inner)], stored=["inner.zip"])


ENCRYPTED_TEXT = f"Aurora budget - {TOP_SECRET}\n".encode()


def zip_encrypted() -> bytes:
    """One deflated entry under traditional PKWARE encryption (APPNOTE 6.1): flag bit 0, a
    12-byte encryption header whose last byte is the crc's high byte (the password check)."""
    crc = zlib.crc32(ENCRYPTED_TEXT)
    # Fixed "random" header bytes, so the file is reproducible.
    header = bytes(range(11)) + bytes([crc >> 24])
    sealed = ZipCrypto(ZIP_PASSWORD).encrypt(header + raw_deflate(ENCRYPTED_TEXT))
    return build_archive([("budget.txt", 1, 8, crc, sealed, len(ENCRYPTED_TEXT))])


def zip_clean() -> bytes:
    return zip_container([("q3/", b""), ("q3/plan.docx", docx_clean())])


PLAIN_TEXT = f"Aurora notes\n{TOP_SECRET}: launch on 2025-01-15\n".encode()


def gzip_member(data: bytes, name: str) -> bytes:
    """gzip with the original name recorded and mtime 0 (reproducible)."""
    out = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=out, mtime=0) as gz:
        gz.write(data)
    return out.getvalue()


def gzip_text() -> bytes:
    return gzip_member(PLAIN_TEXT, "notes.txt")


def tar_archive(entries: Sequence[Tuple[str, bytes]]) -> bytes:
    """A POSIX ustar archive with fixed owner and times."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), MTIME, 0o644
            info.uname = info.gname = "user"
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def tar_docx() -> bytes:
    return tar_archive([("q3/readme.txt", b"plans for q3\n"), ("q3/plan.docx", docx_header())])


def tar_gz_docx() -> bytes:
    return gzip_member(tar_archive([("q3/plan.docx", docx_numeric_references())]), "plans.tar")


# --- PDF --------------------------------------------------------------------------------------

@dataclass
class PdfObject:
    """``body`` is the object's dictionary (or other value); with ``stream`` set, a stream
    whose /Length is added here (after encryption, which keeps the length for RC4)."""
    body: bytes
    stream: Optional[bytes] = None


def rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 0xFF
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for b in data:
        i = (i + 1) & 0xFF
        j = (j + s[i]) & 0xFF
        s[i], s[j] = s[j], s[i]
        out.append(b ^ s[(s[i] + s[j]) & 0xFF])
    return bytes(out)


# PDF 1.7 (ISO 32000-1) 7.6.3.3: the 32 bytes that pad every password.
PDF_PADDING = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


@dataclass
class PdfRc4Security:
    """Standard security handler, revision 2 (RC4, 40-bit key), ISO 32000-1 algorithms 2-4."""
    user_password: bytes = b""
    owner_password: bytes = b"aurora-owner"
    permissions: int = -44  # print and copy allowed, changes and annotations refused
    file_id: bytes = hashlib.md5(b"egressmon documents.py").digest()
    owner_entry: bytes = field(init=False)
    user_entry: bytes = field(init=False)
    key: bytes = field(init=False)

    def __post_init__(self) -> None:
        def padded(pw: bytes) -> bytes:
            return (pw + PDF_PADDING)[:32]
        owner_key = hashlib.md5(padded(self.owner_password or self.user_password)).digest()[:5]
        self.owner_entry = rc4(owner_key, padded(self.user_password))                # alg. 3
        self.key = hashlib.md5(padded(self.user_password) + self.owner_entry +
                               struct.pack("<i", self.permissions) + self.file_id).digest()[:5]
        self.user_entry = rc4(self.key, PDF_PADDING)                                 # alg. 4

    def object_key(self, num: int, gen: int = 0) -> bytes:                           # alg. 1
        return hashlib.md5(self.key + struct.pack("<I", num)[:3] +
                           struct.pack("<H", gen)).digest()[:10]

    def dictionary(self) -> bytes:
        return (b"<< /Filter /Standard /V 1 /R 2 /Length 40 /O <%s> /U <%s> /P %d >>" %
                (self.owner_entry.hex().encode(), self.user_entry.hex().encode(),
                 self.permissions))


def pdf_file(objects: Sequence[PdfObject], security: Optional[PdfRc4Security] = None,
             info: Optional[int] = None) -> bytes:
    """Objects numbered from 1 (object 1 the catalog), a classic xref table and trailer, whose
    /Info is object ``info`` when given. With ``security``, every stream is RC4-encrypted with
    its object's key (the objects built here hold no strings outside streams, so ``info`` is
    not for them) and the Encrypt dictionary is the last object."""
    objs = list(objects)
    if security is not None:
        objs.append(PdfObject(security.dictionary()))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, obj in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % num
        if obj.stream is None:
            out += obj.body
        else:
            data = obj.stream
            if security is not None and num != len(objs):
                data = rc4(security.object_key(num), data)
            assert obj.body.endswith(b">>")
            out += obj.body[:-2] + b"/Length %d >>\nstream\n" % len(data) + data + \
                b"\nendstream"
        out += b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objs) + 1)
    if info is not None:
        trailer += b" /Info %d 0 R" % info
    if security is not None:
        file_id = security.file_id.hex().encode()
        trailer += b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (len(objs), file_id, file_id)
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def pdf_page(content: bytes, font: Sequence[PdfObject], *, flate: bool = False,
             security: Optional[PdfRc4Security] = None) -> bytes:
    """One Letter page whose resources name ``font`` (object 5 onwards) as /F1."""
    if flate:
        stream = PdfObject(b"<< /Filter /FlateDecode >>", zlib.compress(content, 9))
    else:
        stream = PdfObject(b"<< >>", content)
    return pdf_file([
        PdfObject(b"<< /Type /Catalog /Pages 2 0 R >>"),
        PdfObject(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        PdfObject(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                  b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"),
        stream, *font], security)


HELVETICA = [PdfObject(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                       b"/Encoding /WinAnsiEncoding >>")]


def text_content(show: bytes) -> bytes:
    """A content stream: a title line, then ``show`` (a text-showing operation) below it."""
    return (b"BT /F1 14 Tf 72 720 Td (Aurora quarterly plan) Tj ET\n"
            b"BT /F1 14 Tf 72 690 Td " + show + b" ET\n")


def pdf_tj() -> bytes:
    return pdf_page(text_content(b"(Classification: TOP SECRET) Tj"), HELVETICA)


def pdf_flate() -> bytes:
    return pdf_page(text_content(b"(Classification: TOP SECRET) Tj"), HELVETICA, flate=True)


def pdf_tj_kerning() -> bytes:
    """The keyword cut into two strings of a TJ array with a kerning adjustment between them:
    -60 thousandths of an em moves "ECRET" right by 0.06 em. pdftotext (poppler 22.12) takes a
    gap over 0.1 em for a word break, so -120 would make it print "TOP S ECRET"."""
    return pdf_page(text_content(b"[(Classification: TOP S) -60 (ECRET)] TJ"), HELVETICA)


def pdf_unmarked_page(caption: bytes, catalog_extra: bytes = b"",
                      more: Sequence[PdfObject] = (), info: Optional[int] = None) -> bytes:
    """One Letter page that says "Classification: ``caption``" (nothing marked) in Helvetica
    (object 5); ``more`` objects from 6 on; ``catalog_extra`` inside the catalog."""
    return pdf_file([
        PdfObject(b"<< /Type /Catalog /Pages 2 0 R" + catalog_extra + b" >>"),
        PdfObject(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        PdfObject(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                  b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"),
        PdfObject(b"<< >>", text_content(b"(Classification: " + caption + b") Tj")),
        *HELVETICA, *more], info=info)


def pdf_title() -> bytes:
    """The keyword only in the document information's /Title (PDFDocEncoding, an en dash
    before it), which pdfinfo shows; the page itself says nothing marked."""
    return pdf_unmarked_page(b"see the document properties", more=[
        PdfObject(b"<< /Title (Aurora plan \\205 TOP SECRET) /Author (A. Chen) "
                  b"/Producer (egressmon documents.py) >>")], info=6)


def pdf_attachment() -> bytes:
    """A page that says nothing marked and a Word document attached to the PDF (what a reader
    lists under "attachments"; pdfdetach lists and saves it): the docx with the keyword in split
    runs, FlateDecode-compressed in an /EmbeddedFile stream, named by a file specification that
    comes before the stream (the /EmbeddedFiles name tree of the catalog points at it)."""
    docx = docx_split_runs()
    return pdf_unmarked_page(
        b"see the attached plan",
        catalog_extra=b" /Names << /EmbeddedFiles << /Names [(plan.docx) 6 0 R] >> >>",
        more=[
            PdfObject(b"<< /Type /Filespec /F (plan.docx) /UF (plan.docx) /EF << /F 7 0 R >> "
                      b"/Desc (Q3 plan) >>"),
            PdfObject(b"<< /Type /EmbeddedFile /Subtype "
                      b"/application#2Fvnd.openxmlformats-officedocument.wordprocessingml.document "
                      b"/Filter /FlateDecode /Params << /Size %d >> >>" % len(docx),
                      zlib.compress(docx, 9))])


XMP_PACKET = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:pdf="http://ns.adobe.com/pdf/1.3/" pdf:Producer="egressmon documents.py">'
    '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Q3 plan</rdf:li></rdf:Alt></dc:title>'
    '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
    'Board pack &#8211; TOP SECRET, do not forward</rdf:li></rdf:Alt></dc:description>'
    '</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>').encode("utf-8")


def pdf_xmp() -> bytes:
    """The keyword only in the XMP metadata's dc:description (a character reference for the en
    dash before it), an uncompressed stream the catalog's /Metadata points at, so pdfinfo -meta
    prints the packet. The page says nothing marked."""
    return pdf_unmarked_page(b"see the document metadata", catalog_extra=b" /Metadata 6 0 R",
                             more=[PdfObject(b"<< /Type /Metadata /Subtype /XML >>", XMP_PACKET)])


def pdf_clean() -> bytes:
    return pdf_page(text_content(b"(Classification: public) Tj"), HELVETICA, flate=True)


# CID 1 and 2 are the glyphs of 机 and 密; only the ToUnicode CMap says so.
CJK_GLYPHS = {1: "\u673a", 2: "\u5bc6"}


def to_unicode_cmap(glyphs: Dict[int, str]) -> bytes:
    chars = "".join(f"<{cid:04X}> <{ord(ch):04X}>\n" for cid, ch in sorted(glyphs.items()))
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{len(glyphs)} beginbfchar\n{chars}endbfchar\n"
            "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n").encode()


def pdf_cjk_type0() -> bytes:
    """机密 shown as two 2-byte glyph ids (Identity-H) of a Type0 font that is not embedded:
    text extraction has only the ToUnicode CMap to go by."""
    font = [
        PdfObject(b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
                  b"/DescendantFonts [6 0 R] /ToUnicode 8 0 R >>"),
        PdfObject(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun "
                  b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                  b"/FontDescriptor 7 0 R /DW 1000 /CIDToGIDMap /Identity >>"),
        PdfObject(b"<< /Type /FontDescriptor /FontName /SimSun /Flags 6 "
                  b"/FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 "
                  b"/CapHeight 683 /StemV 80 >>"),
        PdfObject(b"<< >>", to_unicode_cmap(CJK_GLYPHS)),
    ]
    content = b"BT /F1 24 Tf 72 700 Td <00010002> Tj ET\n"
    return pdf_page(content, font)


def pdf_encrypted() -> bytes:
    """RC4 40-bit, revision 2, empty user password: any reader opens it without asking, but
    the content stream is ciphertext on the wire."""
    return pdf_page(text_content(b"(Classification: TOP SECRET) Tj"), HELVETICA, flate=True,
                    security=PdfRc4Security())


# --- RTF --------------------------------------------------------------------------------------

def rtf_gbk_hex() -> bytes:
    """\\ansicpg936: each \\'hh is one byte of GBK, two per Chinese character."""
    hexed = "".join(f"\\'{b:02x}" for b in JUEMI.encode("gbk"))
    return ("{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fnil\\fcharset134 SimSun;}}\n"
            f"\\f0\\fs24 Aurora: {hexed}\\par\n}}\n").encode("ascii")


def rtf_unicode_escapes() -> bytes:
    """\\uN? escapes (N the UTF-16 code unit in decimal, '?' the fallback for old readers)."""
    escaped = "".join(f"\\u{ord(c)}?" for c in JIMI)
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0\\uc1{\\fonttbl{\\f0\\fswiss Arial;}}\n"
            f"\\f0\\fs24 Aurora: {escaped}\\par\n}}\n").encode("ascii")


# --- identification only: OLE2, 7z, RAR ------------------------------------------------------

FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def cfb_directory_entry(name: str, kind: int, *, right: int = NOSTREAM, child: int = NOSTREAM,
                        start: int = 0, size: int = 0, red: bool = False) -> bytes:
    """[MS-CFB] 2.6.1: 128 bytes; ``kind`` 5 root storage, 2 stream, 0 unused."""
    raw = (name + "\0").encode("utf-16-le") if name else b""
    color = 0 if red or not kind else 1
    return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, color) +
            struct.pack("<III", NOSTREAM, right, child) + b"\0" * 16 +
            struct.pack("<IQQIQ", 0, 0, 0, start, size))


def summary_information() -> bytes:
    """A property set stream ([MS-OLEPS]) with one property, the code page (VT_I2 1252):
    enough for ``file`` to read the document's summary as it does for real .doc files."""
    fmtid = bytes.fromhex("E0859FF2F94F6810AB9108002B27B3D9")  # FMTID_SummaryInformation
    section = struct.pack("<II", 24, 1) + struct.pack("<II", 1, 16) + struct.pack("<IhH", 2,
                                                                                  1252, 0)
    return (struct.pack("<HHI", 0xFFFE, 0, 0x00020006) + b"\0" * 16 + struct.pack("<I", 1) +
            fmtid + struct.pack("<I", 48) + section)


def ole2_document() -> bytes:
    """A version 3 Compound File ([MS-CFB]) with 512-byte sectors: sector 0 the FAT, sector 1
    the directory, then two 4096-byte streams, WordDocument and SummaryInformation. 4096 is
    the mini-stream cutoff, so both sit in ordinary sectors and no mini FAT is needed."""
    cutoff = 4096
    word = b"Aurora quarterly plan (not a real Word binary)\r\n".ljust(cutoff, b"\0")
    summary = summary_information().ljust(cutoff, b"\0")
    per_stream = cutoff // 512
    fat = [FATSECT, ENDOFCHAIN]
    for first in (2, 2 + per_stream):
        fat += [first + i + 1 for i in range(per_stream - 1)] + [ENDOFCHAIN]
    fat += [FREESECT] * (128 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 +
              struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6 +
              struct.pack("<IIIIIIIII", 0, 1, 1, 0, cutoff, ENDOFCHAIN, 0, ENDOFCHAIN, 0) +
              struct.pack("<109I", 0, *([FREESECT] * 108)))
    # Siblings form a red-black tree ordered by name length first: WordDocument (12) is the
    # black root's child, the longer SummaryInformation its red right sibling.
    directory = (cfb_directory_entry("Root Entry", 5, child=1, start=ENDOFCHAIN) +
                 cfb_directory_entry("WordDocument", 2, right=2, start=2, size=cutoff) +
                 cfb_directory_entry("\x05SummaryInformation", 2, start=2 + per_stream,
                                     size=cutoff, red=True) +
                 cfb_directory_entry("", 0))
    assert len(header) == 512 and len(directory) == 512
    return header + struct.pack("<128I", *fat) + directory + word + summary


def sevenzip_empty() -> bytes:
    """The 32-byte signature header of a 7z archive (version 0.4) followed by the smallest
    header it can point to: kHeader, kEnd (an archive with nothing in it)."""
    next_header = b"\x01\x00"
    start = struct.pack("<QQI", 32 - 32, len(next_header), zlib.crc32(next_header))
    return (b"7z\xbc\xaf\x27\x1c\x00\x04" + struct.pack("<I", zlib.crc32(start)) + start +
            next_header)


def rar5_empty() -> bytes:
    """RAR 5 signature, a main archive header and an end-of-archive header: each header is
    CRC32, size (vint), type, flags, then its fields (all single-byte vints here)."""
    def header(body: bytes) -> bytes:
        sized = bytes([len(body)]) + body
        return struct.pack("<I", zlib.crc32(sized)) + sized
    return (b"Rar!\x1a\x07\x01\x00" + header(b"\x01\x00\x00")   # main: type 1, no flags
            + header(b"\x05\x00\x00"))                          # end: type 5, last volume


# --- encrypted RAR and Office: identification from the headers only ---------------------------
# No AES in the standard library: the ciphertext is a stand-in (fixed pseudo-random bytes), but
# every header around it, down to the RAR 5 password check value, is what the real tools write
# for the password ZIP_PASSWORD.

def filler(label: str, size: int) -> bytes:
    """``size`` bytes that look random (ciphertext, salts, IVs) and are the same on every run:
    SHA-256 in counter mode over ``label``."""
    blocks = (hashlib.sha256(f"{label}/{i}".encode()).digest() for i in range((size + 31) // 32))
    return b"".join(blocks)[:size]


def vint(value: int) -> bytes:
    """RAR 5 variable-length integer: 7 bits a byte, least significant first, high bit set on
    every byte but the last."""
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


RAR5_SIGNATURE = b"Rar!\x1a\x07\x01\x00"
RAR5_KDF_COUNT = 15  # log2 of the PBKDF2 iterations, as WinRAR writes by default
# The plaintext the stand-in ciphertext stands for: 58 bytes, 64 once AES pads it to 16.
RAR_PLAN_TEXT = b"Aurora q3 plan: budget and launch dates, board eyes only.\n"
RAR_CLEAN_TEXT = b"quarterly figures, nothing secret\n"


def rar5_header(kind: int, fields: bytes = b"", *, extra: bytes = b"",
                data_size: Optional[int] = None) -> bytes:
    """A RAR 5 block header (technote "RAR 5.0 archive format"): CRC32, header size (vint,
    from the type to the end of the extra area), type, flags (0x0001 extra area, 0x0002 data
    area), the two sizes those flags announce, the type's fields, the extra area. The CRC32
    covers everything from the header size on."""
    flags = (0x0001 if extra else 0) | (0x0002 if data_size is not None else 0)
    body = (vint(kind) + vint(flags) + (vint(len(extra)) if extra else b"") +
            (vint(data_size) if data_size is not None else b"") + fields + extra)
    sized = vint(len(body)) + body
    return struct.pack("<I", zlib.crc32(sized)) + sized


def rar5_keys(salt: bytes) -> Tuple[bytes, bytes]:
    """(hash key, password check value) of ZIP_PASSWORD as unrar's crypt5.cpp derives them:
    PBKDF2-HMAC-SHA256 run 2^KDF_COUNT + 16 and + 32 iterations (the one chain continued),
    the second folded to 8 bytes and followed by 4 bytes of its SHA-256."""
    count = 1 << RAR5_KDF_COUNT
    hash_key = hashlib.pbkdf2_hmac("sha256", ZIP_PASSWORD, salt, count + 16)
    value = hashlib.pbkdf2_hmac("sha256", ZIP_PASSWORD, salt, count + 32)
    check = bytearray(8)
    for i, b in enumerate(value):
        check[i % 8] ^= b
    return hash_key, bytes(check) + hashlib.sha256(bytes(check)).digest()[:4]


def rar5_tweaked_crc(crc: int, hash_key: bytes) -> int:
    """The file CRC32 of an encrypted entry with "tweaked checksums" (unrar ConvertHashToMAC):
    HMAC-SHA256 of the CRC's 4 little-endian bytes, folded back to 32 bits."""
    digest = hmac.new(hash_key, struct.pack("<I", crc), hashlib.sha256).digest()
    out = 0
    for i, b in enumerate(digest):
        out ^= b << ((i & 3) * 8)
    return out


def rar5_file(name: str, text: bytes, encrypted: bool) -> bytes:
    """Signature, main archive header, one stored file header for ``name``, its data, end of
    archive. Encrypted: an encryption record (extra type 0x01) in the file header's extra area
    and 64 bytes of stand-in AES-256 ciphertext as the data."""
    crc = zlib.crc32(text)
    extra = b""
    data = text
    if encrypted:
        salt, iv = filler("rar5 salt", 16), filler("rar5 iv", 16)
        hash_key, check = rar5_keys(salt)
        # version 0 (AES-256), flags 0x0001 check value present | 0x0002 tweaked checksums
        record = (vint(0x01) + vint(0) + vint(0x0003) + bytes([RAR5_KDF_COUNT]) + salt + iv +
                  check)
        extra = vint(len(record)) + record
        crc = rar5_tweaked_crc(crc, hash_key)
        data = filler("rar5 ciphertext", (len(text) + 15) // 16 * 16)
    name_raw = name.encode("utf-8")
    # file flags 0x0002 mtime | 0x0004 CRC32; Unix mode 0100644; compression info 0 (stored,
    # algorithm version 0); host OS 1 (Unix)
    fields = (vint(0x0006) + vint(len(text)) + vint(0o100644) + struct.pack("<II", MTIME, crc) +
              vint(0) + vint(1) + vint(len(name_raw)) + name_raw)
    return (RAR5_SIGNATURE + rar5_header(1, vint(0)) +                      # main: no flags
            rar5_header(2, fields, extra=extra, data_size=len(data)) + data +
            rar5_header(5, vint(0)))                                        # end: last volume


def rar5_encrypted() -> bytes:
    """File data encrypted, headers in clear: the name q3/plan.txt is readable, the content
    is not. The password check value is the real one for ZIP_PASSWORD."""
    return rar5_file("q3/plan.txt", RAR_PLAN_TEXT, encrypted=True)


def rar5_clean() -> bytes:
    """The same archive with no encryption record, the text stored as it is."""
    return rar5_file("q3/plan.txt", RAR_CLEAN_TEXT, encrypted=False)


def rar5_headers_encrypted() -> bytes:
    """"Encrypt file names" (rar -hp): the signature, an archive encryption header (type 4:
    version 0 = AES-256, flags 0x0001 check value present, KDF count, salt, check value), then
    every later header encrypted, each block an IV and AES-CBC blocks (64 stand-in bytes)."""
    salt = filler("rar5-hp salt", 16)
    _, check = rar5_keys(salt)
    fields = vint(0) + vint(0x0001) + bytes([RAR5_KDF_COUNT]) + salt + check
    return RAR5_SIGNATURE + rar5_header(4, fields) + filler("rar5-hp ciphertext", 64)


def rar4_block(kind: int, flags: int, fields: bytes) -> bytes:
    """A RAR 1.5-4.x block: HEAD_CRC (low 16 bits of the CRC32 of the rest of the header),
    HEAD_TYPE, HEAD_FLAGS, HEAD_SIZE (the whole header), then the type's fields."""
    rest = struct.pack("<BHH", kind, flags, 7 + len(fields)) + fields
    return struct.pack("<H", zlib.crc32(rest) & 0xFFFF) + rest


def dos_time(year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    return ((year - 1980) << 25 | month << 21 | day << 16 | hour << 11 | minute << 5 |
            second // 2)


def rar4_encrypted() -> bytes:
    """RAR 2.9-4.x (unrar's technote.txt): the marker block, a main header, one stored file
    whose header has LHD_PASSWORD (0x0004) and the always-set LONG_BLOCK (0x8000, the data
    size PACK_SIZE follows), no salt; 64 stand-in bytes of AES-128 ciphertext; the end block."""
    name = b"q3/plan.txt"
    data = filler("rar4 ciphertext", (len(RAR_PLAN_TEXT) + 15) // 16 * 16)
    # PACK_SIZE, UNP_SIZE, HOST_OS 3 (Unix), FILE_CRC, FTIME, UNP_VER 29, METHOD 0x30 (store),
    # NAME_SIZE, ATTR (Unix mode 0100644), FILE_NAME
    fields = (struct.pack("<IIBIIBBHI", len(data), len(RAR_PLAN_TEXT), 3,
                          zlib.crc32(RAR_PLAN_TEXT), dos_time(*DATE), 29, 0x30, len(name),
                          0o100644) + name)
    return (b"Rar!\x1a\x07\x00" +                       # marker block
            rar4_block(0x73, 0, b"\0" * 6) +            # main header, HEAD_SIZE 13
            rar4_block(0x74, 0x8000 | 0x0004, fields) + data +
            rar4_block(0x7B, 0x4000, b""))              # end of archive, SKIP_IF_UNKNOWN


def agile_encryption_info() -> bytes:
    """The EncryptionInfo stream of an Agile-encrypted OOXML file ([MS-OFFCRYPTO] 2.3.4.10):
    version 4.4, reserved flags 0x40, the XML descriptor (its values here are stand-ins)."""
    def b64(label: str, size: int) -> str:
        return base64.b64encode(filler(label, size)).decode()
    cipher = ('saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
              'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512"')
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
           '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
           'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password" '
           'xmlns:c="http://schemas.microsoft.com/office/2006/keyEncryptor/certificate">'
           f'<keyData {cipher} saltValue="{b64("key salt", 16)}"/>'
           f'<dataIntegrity encryptedHmacKey="{b64("hmac key", 64)}" '
           f'encryptedHmacValue="{b64("hmac value", 64)}"/>'
           '<keyEncryptors><keyEncryptor '
           'uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
           f'<p:encryptedKey spinCount="100000" {cipher} saltValue="{b64("pw salt", 16)}" '
           f'encryptedVerifierHashInput="{b64("verifier input", 16)}" '
           f'encryptedVerifierHashValue="{b64("verifier hash", 64)}" '
           f'encryptedKeyValue="{b64("key value", 32)}"/>'
           '</keyEncryptor></keyEncryptors></encryption>')
    return struct.pack("<HHI", 4, 4, 0x40) + xml.encode()


def docx_encrypted() -> bytes:
    """A password-protected .docx as Office saves it: not a ZIP but a version 3 Compound File
    ([MS-CFB], 512-byte sectors) holding EncryptionInfo and EncryptedPackage ([MS-OFFCRYPTO]
    2.3.4.4: the package size as 8 bytes, then AES blocks; stand-in bytes here).
    EncryptionInfo is under the 4096-byte cutoff, so it lives in the mini stream (64-byte
    mini sectors, chained in the mini FAT) that the root entry owns; EncryptedPackage is over
    it and takes ordinary sectors. Sectors: 0 FAT, 1 directory, 2 mini FAT, then the mini
    stream, then EncryptedPackage."""
    cutoff = 4096
    info = agile_encryption_info()
    package_size = 4090  # of the plaintext ZIP; the ciphertext is padded to 16
    package = struct.pack("<Q", package_size) + \
        filler("docx ciphertext", (package_size + 15) // 16 * 16)
    assert len(info) < cutoff <= len(package)

    def sectors(size: int, unit: int) -> int:
        return (size + unit - 1) // unit

    def chain(first: int, count: int) -> List[int]:
        return [first + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]

    mini_sectors = sectors(len(info), 64)
    mini_stream = info.ljust(mini_sectors * 64, b"\0")          # root entry's stream
    mini_fat = chain(0, mini_sectors)
    mini_fat += [FREESECT] * (128 - len(mini_fat))
    root_start, root_count = 3, sectors(len(mini_stream), 512)
    package_start, package_count = root_start + root_count, sectors(len(package), 512)
    fat = [FATSECT, ENDOFCHAIN, ENDOFCHAIN] + chain(root_start, root_count) + \
        chain(package_start, package_count)
    assert len(fat) <= 128
    fat += [FREESECT] * (128 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 +
              struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6 +
              # directory sectors (0 in version 3), FAT sectors, first directory sector,
              # transaction signature, mini stream cutoff, first mini FAT sector, mini FAT
              # sectors, first DIFAT sector, DIFAT sectors
              struct.pack("<IIIIIIIII", 0, 1, 1, 0, cutoff, 2, 1, ENDOFCHAIN, 0) +
              struct.pack("<109I", 0, *([FREESECT] * 108)))
    # Sibling order is name length first: EncryptionInfo (14) is the root's child, black,
    # the longer EncryptedPackage its red right sibling.
    directory = (cfb_directory_entry("Root Entry", 5, child=1, start=root_start,
                                     size=len(mini_stream)) +
                 cfb_directory_entry("EncryptionInfo", 2, right=2, start=0, size=len(info)) +
                 cfb_directory_entry("EncryptedPackage", 2, start=package_start,
                                     size=len(package), red=True) +
                 cfb_directory_entry("", 0))
    assert len(header) == 512 and len(directory) == 512
    return (header + struct.pack("<128I", *fat) + directory + struct.pack("<128I", *mini_fat) +
            mini_stream.ljust(root_count * 512, b"\0") +
            package.ljust(package_count * 512, b"\0"))


# --- the cases --------------------------------------------------------------------------------

@dataclass
class Document:
    name: str
    type: str
    build: Callable[[], bytes]
    keyword: Optional[str]
    path: Optional[List[str]]  # inside the file, outermost first (the file's name is added)
    encrypted: bool = False
    note: str = ""


DOCUMENTS: List[Document] = [
    Document("docx_single_run.docx", "docx", docx_single_run, TOP_SECRET, ["word/document.xml"],
             note="keyword in one w:t run"),
    Document("docx_split_runs.docx", "docx", docx_split_runs, TOP_SECRET, ["word/document.xml"],
             note="TOP | SECRET in two runs, the second bold"),
    Document("docx_numeric_refs.docx", "docx", docx_numeric_references, JUEMI,
             ["word/document.xml"], note="&#32477;&#23494; character references"),
    Document("docx_header.docx", "docx", docx_header, JIMI, ["word/header1.xml"],
             note="keyword only in the page header part"),
    Document("xlsx_shared_strings.xlsx", "xlsx", xlsx_shared_strings, JIMI,
             ["xl/sharedStrings.xml"], note="cell t=\"s\" points into sharedStrings"),
    Document("xlsx_inline_string.xlsx", "xlsx", xlsx_inline_string, TOP_SECRET,
             ["xl/worksheets/sheet1.xml"], note="t=\"inlineStr\" <is><t>"),
    Document("xlsx_id_number.xlsx", "xlsx", xlsx_id_number, ID_NUMBER,
             ["xl/worksheets/sheet1.xml"], note="18-digit identity number as a numeric cell"),
    Document("pptx_slide.pptx", "pptx", pptx_slide_text, TOP_SECRET, ["ppt/slides/slide1.xml"]),
    Document("odt_text.odt", "odt", odt_text, JUEMI, ["content.xml"]),
    Document("ods_cell.ods", "ods", ods_cell, TOP_SECRET, ["content.xml"]),
    Document("odp_slide.odp", "odp", odp_slide, JIMI, ["content.xml"]),
    Document("bundle.zip", "zip", zip_with_docx_in_folder, TOP_SECRET,
             ["q3/plan.docx", "word/document.xml"], note="docx under a folder in a zip"),
    Document("nested.zip", "zip", zip_of_zip, TOP_SECRET,
             ["inner.zip", "plan.docx", "word/document.xml"], note="zip stored in a zip"),
    Document("encrypted.zip", "zip", zip_encrypted, TOP_SECRET, ["budget.txt"], encrypted=True,
             note="ZipCrypto, password 'password': the keyword is not visible without it"),
    Document("notes.txt.gz", "gzip", gzip_text, TOP_SECRET, ["notes.txt"]),
    Document("plans.tar", "tar", tar_docx, JIMI, ["q3/plan.docx", "word/header1.xml"]),
    Document("plans.tar.gz", "gzip", tar_gz_docx, JUEMI,
             ["plans.tar", "q3/plan.docx", "word/document.xml"]),
    Document("pdf_tj.pdf", "pdf", pdf_tj, TOP_SECRET, [], note="Tj, uncompressed stream"),
    Document("pdf_flate.pdf", "pdf", pdf_flate, TOP_SECRET, [], note="Tj, FlateDecode"),
    Document("pdf_tj_kerning.pdf", "pdf", pdf_tj_kerning, TOP_SECRET, [],
             note="[(... TOP S) -60 (ECRET)] TJ"),
    Document("pdf_cjk_type0.pdf", "pdf", pdf_cjk_type0, JIMI, [],
             note="Type0 Identity-H glyph ids, ToUnicode CMap"),
    Document("pdf_title.pdf", "pdf", pdf_title, TOP_SECRET, [],
             note="keyword only in the document information's /Title, not on the page"),
    Document("pdf_attachment.pdf", "pdf", pdf_attachment, TOP_SECRET,
             ["plan.docx", "word/document.xml"],
             note="a docx attached to the PDF (/EmbeddedFile), keyword in split runs"),
    Document("pdf_xmp.pdf", "pdf", pdf_xmp, TOP_SECRET, [],
             note="the keyword only in the XMP metadata's dc:description"),
    Document("pdf_encrypted.pdf", "pdf", pdf_encrypted, TOP_SECRET, [], encrypted=True,
             note="RC4 40-bit, R2, empty user password"),
    Document("rtf_gbk.rtf", "rtf", rtf_gbk_hex, JUEMI, [], note="\\ansicpg936 \\'hh GBK bytes"),
    Document("rtf_unicode.rtf", "rtf", rtf_unicode_escapes, JIMI, [], note="\\uN? escapes"),
    Document("legacy.doc", "ole2", ole2_document, None, None,
             note="identification only: Compound File V2, one stream"),
    Document("empty.7z", "7z", sevenzip_empty, None, None, note="identification only"),
    Document("empty.rar", "rar", rar5_empty, None, None, note="identification only, RAR 5"),
    Document("plan.rar", "rar", rar5_encrypted, None, None, encrypted=True,
             note="RAR 5, file data AES-256 encrypted, headers in clear (q3/plan.txt)"),
    Document("plan-hp.rar", "rar", rar5_headers_encrypted, None, None, encrypted=True,
             note="RAR 5, headers encrypted too (rar -hp): archive encryption header"),
    Document("plan-v4.rar", "rar", rar4_encrypted, None, None, encrypted=True,
             note="RAR 2.9-4.x, file header flag LHD_PASSWORD"),
    Document("board.docx", "ole2", docx_encrypted, None, None, encrypted=True,
             note="password-protected docx: Compound File with EncryptionInfo (Agile) and "
                  "EncryptedPackage"),
    Document("clean.docx", "docx", docx_clean, None, None, note="negative"),
    Document("clean.xlsx", "xlsx", xlsx_clean, None, None, note="negative"),
    Document("clean.pdf", "pdf", pdf_clean, None, None, note="negative"),
    Document("clean.zip", "zip", zip_clean, None, None, note="negative: docx in a zip"),
    Document("clean.rar", "rar", rar5_clean, None, None,
             note="negative: RAR 5, the same archive stored without encryption"),
    Document("plan.7z", "7z", sealed_files.sevenzip_encrypted, None, None, encrypted=True,
             note="7zAES (AES-256, password 'password') over LZMA, header LZMA-packed in clear"),
    Document("plan-mhe.7z", "7z", sealed_files.sevenzip_headers_encrypted, None, None,
             encrypted=True, note="7z -mhe=on: the packed header itself AES-encrypted"),
    Document("salaries.doc", "ole2", sealed_files.doc_encrypted, None, None, encrypted=True,
             note="Word 97 FIB fEncrypted, RC4 EncryptionHeader in 1Table"),
    Document("salaries.xls", "ole2", sealed_files.xls_encrypted, None, None, encrypted=True,
             note="BIFF8 FILEPASS (RC4) after the globals BOF"),
    Document("clean.7z", "7z", sealed_files.sevenzip_clean, None, None,
             note="negative: 7z, LZMA content, LZMA-packed header, no 7zAES"),
    Document("clean.doc", "ole2", sealed_files.doc_clean, None, None,
             note="negative: Word 97 FIB without fEncrypted"),
    Document("clean.xls", "ole2", sealed_files.xls_clean, None, None,
             note="negative: BIFF8 workbook without FILEPASS"),
]

BY_NAME: Dict[str, Document] = {d.name: d for d in DOCUMENTS}
KEYWORDS = (TOP_SECRET, JUEMI, JIMI, ID_NUMBER)


def manifest_entry(doc: Document) -> dict:
    return {"name": doc.name, "type": doc.type, "keyword": doc.keyword,
            "path": None if doc.path is None else [doc.name, *doc.path],
            "encrypted": doc.encrypted, "note": doc.note}


def write_documents(outdir: str) -> List[dict]:
    """Writes every document and OUTDIR/manifest.json; returns the manifest."""
    os.makedirs(outdir, exist_ok=True)
    manifest = []
    for doc in DOCUMENTS:
        with open(os.path.join(outdir, doc.name), "wb") as f:
            f.write(doc.build())
        manifest.append(manifest_entry(doc))
    with open(os.path.join(outdir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return manifest


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: documents.py OUTDIR", file=sys.stderr)
        sys.exit(2)
    print(f"wrote {len(write_documents(sys.argv[1]))} documents to {sys.argv[1]}")
