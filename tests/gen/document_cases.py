#!/usr/bin/env python3
"""Captures that carry documents.py's files out of (or into) the network, with ground truth.

One capture per (document, carrier), so that the one alert per (flow, rule) a case may raise
names exactly one file. Carriers: an HTTP multipart/form-data upload, a raw HTTP PUT, a PUT
with ``Content-Encoding: gzip``, an SMTP message with the file as a base64 attachment; and as
negatives the keyword-free files, and a keyword file downloaded by an inside host (ingress).
Some file names are not ASCII, in the encodings clients really send: RFC 2231
``filename*=UTF-8''...`` in SMTP, GBK bytes in a quoted multipart filename, and a
percent-encoded UTF-8 URL path on a raw PUT.

    python3 tests/gen/document_cases.py OUTDIR   # OUTDIR/<case>.pcap, OUTDIR/<case>.json

Each <case>.json says: ``document`` (the documents.py file carried), ``carrier``,
``direction`` (of the file: egress or ingress), ``file_name`` (the name as the receiver
decodes it), ``file_type``, ``keyword`` (what a content rule must match, or null),
``path`` (the contract's alert.context.dlp.file.path: the file name, then the entries down to
the keyword), ``encrypted`` (a ``file: {encrypted: true}`` rule fires on it),
``expect_alert`` (whether the default rules must alert) and ``alert_kind`` ("content", "file"
or null). OUTDIR/manifest.json is the list of them all.

Packets come from dlp_cases.py's builders (same addresses, clock and HTTP/SMTP helpers), so
these captures look like the golden DLP cases apart from what they carry.
"""

import base64
import json
import os
import sys
import urllib.parse
from dataclasses import asdict, dataclass
from typing import Callable, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dlp_cases  # noqa: E402
import documents  # noqa: E402
from pcapgen.pcap import Capture  # noqa: E402

BOUNDARY = "----egressmonFormBoundary7MA4YWxkTrZu0gW"

MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "pdf": "application/pdf", "rtf": "application/rtf", "zip": "application/zip",
    "gzip": "application/gzip", "tar": "application/x-tar", "ole2": "application/msword",
    "7z": "application/x-7z-compressed", "rar": "application/vnd.rar",
}


def media_type(doc: documents.Document) -> str:
    return MEDIA_TYPES[doc.type]


# --- carriers: each returns the capture for one file sent under ``file_name`` ---------------

def multipart_upload(doc: documents.Document, data: bytes, filename: bytes) -> Capture:
    """A browser-style form upload: one text field, then the file as a binary part.
    ``filename`` is the raw bytes between the quotes (browsers send the page's charset)."""
    assert BOUNDARY.encode() not in data
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\n"
            f"q3 upload\r\n--{BOUNDARY}\r\n").encode() + \
        b"Content-Disposition: form-data; name=\"file\"; filename=\"" + filename + b"\"\r\n" + \
        f"Content-Type: {media_type(doc)}\r\n\r\n".encode() + data + \
        f"\r\n--{BOUNDARY}--\r\n".encode()
    return dlp_cases.http_case(dlp_cases.http_request(
        "POST", "/upload", body, [f"Content-Type: multipart/form-data; boundary={BOUNDARY}"]))


def raw_put(doc: documents.Document, data: bytes, target: str) -> Capture:
    """The file as the whole request body; its name is only in the URL path."""
    return dlp_cases.http_case(dlp_cases.http_request(
        "PUT", target, data, [f"Content-Type: {media_type(doc)}"]))


def gzip_put(doc: documents.Document, data: bytes, target: str) -> Capture:
    """A raw PUT whose body is gzip-compressed on the wire (Content-Encoding), so the file's
    own bytes appear only after inflating it."""
    packed = documents.gzip_member(data, "")
    return dlp_cases.http_case(dlp_cases.http_request(
        "PUT", target, packed, [f"Content-Type: {media_type(doc)}", "Content-Encoding: gzip"]))


def smtp_attachment(doc: documents.Document, data: bytes, disposition_name: str, *,
                    content_type: Optional[str] = None) -> Capture:
    """A multipart/mixed message: a text part, then the file base64-encoded.
    ``disposition_name`` is the Content-Disposition parameter as written (filename="..." or
    RFC 2231 filename*=...); ``content_type`` replaces the document type's media type."""
    message = (dlp_cases.MAIL_HEAD + b"MIME-Version: 1.0\r\n"
               b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
               b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attachment\r\n"
               b"--b1\r\n" +
               f"Content-Type: {content_type or media_type(doc)}\r\n".encode() +
               f"Content-Disposition: attachment; {disposition_name}\r\n".encode() +
               b"Content-Transfer-Encoding: base64\r\n\r\n" +
               base64.encodebytes(data).replace(b"\n", b"\r\n") + b"--b1--\r\n")
    return dlp_cases.smtp_case(message)


def download(doc: documents.Document, data: bytes, target: str) -> Capture:
    """An inside client GETs the file from an outside server: the file comes in (ingress)."""
    response = (f"HTTP/1.1 200 OK\r\nContent-Type: {media_type(doc)}\r\n"
                f"Content-Length: {len(data)}\r\n\r\n").encode() + data
    return dlp_cases.http_case(dlp_cases.http_request("GET", target), response)


# --- the cases -------------------------------------------------------------------------------

@dataclass
class DocumentCase:
    name: str
    document: str
    carrier: str
    direction: str
    file_name: str
    file_type: str
    keyword: Optional[str]
    path: List[str]
    encrypted: bool
    expect_alert: bool
    alert_kind: Optional[str]
    build: Callable[[], Capture]

    def manifest(self) -> dict:
        entry = asdict(self)
        del entry["build"]
        return entry


SECRET_DOCX_NAME = "\u7edd\u5bc6.docx"   # 绝密.docx
SECRET_XLSX_NAME = "\u7edd\u5bc6.xlsx"   # 绝密.xlsx
CARRIERS = {
    "http-multipart": lambda doc, name: multipart_upload(doc, doc.build(), name.encode("utf-8")),
    "http-put": lambda doc, name: raw_put(doc, doc.build(), "/upload/" + urllib.parse.quote(name)),
    "http-put-gzip": lambda doc, name: gzip_put(doc, doc.build(),
                                                "/upload/" + urllib.parse.quote(name)),
    "smtp-base64": lambda doc, name: smtp_attachment(doc, doc.build(), f'filename="{name}"'),
    "http-download": lambda doc, name: download(doc, doc.build(),
                                                "/files/" + urllib.parse.quote(name)),
}


def make_case(name: str, document: str, carrier: str, *, file_name: Optional[str] = None,
              build: Optional[Callable[[], Capture]] = None) -> DocumentCase:
    """A case whose expectations follow from the document's manifest entry and the carrier:
    a downloaded file never alerts (it comes in); an encrypted one raises the file rule for
    encrypted documents, not a keyword alert (its text is not readable on the wire); a file
    with a keyword raises a content alert; the rest (negatives, identification-only types)
    raise nothing under the default rules."""
    doc = documents.BY_NAME[document]
    file_name = file_name or doc.name
    egress = carrier != "http-download"
    if not egress or (doc.keyword is None and not doc.encrypted):
        kind = None
    else:
        kind = "file" if doc.encrypted else "content"
    visible = doc.keyword is not None and not doc.encrypted
    return DocumentCase(
        name=name, document=document, carrier=carrier,
        direction="egress" if egress else "ingress", file_name=file_name, file_type=doc.type,
        keyword=doc.keyword if visible else None,
        path=[file_name, *(doc.path if visible else [])], encrypted=doc.encrypted,
        expect_alert=kind is not None, alert_kind=kind,
        build=build or (lambda: CARRIERS[carrier](doc, file_name)))


def gbk_named_multipart() -> Capture:
    doc = documents.BY_NAME["xlsx_shared_strings.xlsx"]
    return multipart_upload(doc, doc.build(), SECRET_XLSX_NAME.encode("gbk"))


def rfc2231_named_attachment() -> Capture:
    doc = documents.BY_NAME["docx_numeric_refs.docx"]
    return smtp_attachment(doc, doc.build(),
                           "filename*=UTF-8''" + urllib.parse.quote(SECRET_DOCX_NAME))


def encrypted_docx_attachment() -> Capture:
    """A mail client labels board.docx by its extension, as a Word 2007+ document; the bytes
    are a Compound File (what Office writes for a password-protected docx)."""
    doc = documents.BY_NAME["board.docx"]
    return smtp_attachment(doc, doc.build(), f'filename="{doc.name}"',
                           content_type=MEDIA_TYPES["docx"])


def percent_encoded_put() -> Capture:
    doc = documents.BY_NAME["docx_split_runs.docx"]
    return raw_put(doc, doc.build(), "/upload/%E7%BB%9D%E5%AF%86.docx")


CASES: List[DocumentCase] = [
    # HTTP multipart/form-data uploads
    make_case("multipart_docx_single_run", "docx_single_run.docx", "http-multipart"),
    make_case("multipart_gbk_name_xlsx_shared_strings", "xlsx_shared_strings.xlsx",
              "http-multipart", file_name=SECRET_XLSX_NAME, build=gbk_named_multipart),
    make_case("multipart_pptx", "pptx_slide.pptx", "http-multipart"),
    make_case("multipart_odt", "odt_text.odt", "http-multipart"),
    make_case("multipart_pdf_tj", "pdf_tj.pdf", "http-multipart"),
    make_case("multipart_pdf_cjk_type0", "pdf_cjk_type0.pdf", "http-multipart"),
    make_case("multipart_rtf_gbk", "rtf_gbk.rtf", "http-multipart"),
    make_case("multipart_tar", "plans.tar", "http-multipart"),
    make_case("multipart_rar5_headers_encrypted", "plan-hp.rar", "http-multipart"),
    # raw PUT
    make_case("put_percent_name_docx_split_runs", "docx_split_runs.docx", "http-put",
              file_name=SECRET_DOCX_NAME, build=percent_encoded_put),
    make_case("put_xlsx_inline_string", "xlsx_inline_string.xlsx", "http-put"),
    make_case("put_ods", "ods_cell.ods", "http-put"),
    make_case("put_zip_docx_in_folder", "bundle.zip", "http-put"),
    make_case("put_zip_of_zip", "nested.zip", "http-put"),
    make_case("put_pdf_flate", "pdf_flate.pdf", "http-put"),
    make_case("put_pdf_title", "pdf_title.pdf", "http-put"),
    make_case("multipart_pdf_xmp", "pdf_xmp.pdf", "http-multipart"),
    make_case("put_rtf_unicode", "rtf_unicode.rtf", "http-put"),
    make_case("put_7z", "empty.7z", "http-put"),
    make_case("put_rar", "empty.rar", "http-put"),
    make_case("put_rar4_encrypted", "plan-v4.rar", "http-put"),
    # PUT with Content-Encoding: gzip
    make_case("put_gzip_docx_header", "docx_header.docx", "http-put-gzip"),
    make_case("put_gzip_xlsx_id_number", "xlsx_id_number.xlsx", "http-put-gzip"),
    make_case("put_gzip_pdf_tj_kerning", "pdf_tj_kerning.pdf", "http-put-gzip"),
    make_case("put_gzip_odp", "odp_slide.odp", "http-put-gzip"),
    # SMTP base64 attachments
    make_case("smtp_rfc2231_name_docx_numeric_refs", "docx_numeric_refs.docx", "smtp-base64",
              file_name=SECRET_DOCX_NAME, build=rfc2231_named_attachment),
    make_case("smtp_gzip_text", "notes.txt.gz", "smtp-base64"),
    make_case("smtp_pdf_attachment_docx", "pdf_attachment.pdf", "smtp-base64"),
    make_case("smtp_tar_gz", "plans.tar.gz", "smtp-base64"),
    make_case("smtp_encrypted_zip", "encrypted.zip", "smtp-base64"),
    make_case("smtp_encrypted_pdf", "pdf_encrypted.pdf", "smtp-base64"),
    make_case("smtp_encrypted_rar5", "plan.rar", "smtp-base64"),
    make_case("smtp_encrypted_docx", "board.docx", "smtp-base64",
              build=encrypted_docx_attachment),
    make_case("smtp_ole2", "legacy.doc", "smtp-base64"),
    make_case("put_encrypted_7z", "plan.7z", "http-put"),
    make_case("multipart_7z_headers_encrypted", "plan-mhe.7z", "http-multipart"),
    make_case("smtp_encrypted_doc", "salaries.doc", "smtp-base64"),
    make_case("put_gzip_encrypted_xls", "salaries.xls", "http-put-gzip"),
    # negatives: no keyword anywhere
    make_case("multipart_clean_docx", "clean.docx", "http-multipart"),
    make_case("put_clean_xlsx", "clean.xlsx", "http-put"),
    make_case("smtp_clean_pdf", "clean.pdf", "smtp-base64"),
    make_case("put_gzip_clean_zip", "clean.zip", "http-put-gzip"),
    make_case("smtp_clean_rar", "clean.rar", "smtp-base64"),
    make_case("put_clean_7z", "clean.7z", "http-put"),
    make_case("multipart_clean_doc", "clean.doc", "http-multipart"),
    make_case("smtp_clean_xls", "clean.xls", "smtp-base64"),
    # negative: a keyword file that comes in, downloaded by an inside host
    make_case("download_docx_ingress", "docx_single_run.docx", "http-download"),
    make_case("download_zip_ingress", "bundle.zip", "http-download"),
]

BY_NAME: Dict[str, DocumentCase] = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "case names must be unique"


def write_cases(outdir: str) -> List[dict]:
    """Writes OUTDIR/<case>.pcap and <case>.json for every case, and OUTDIR/manifest.json."""
    os.makedirs(outdir, exist_ok=True)
    manifest = []
    for case in CASES:
        case.build().save(os.path.join(outdir, case.name + ".pcap"))
        entry = case.manifest()
        with open(os.path.join(outdir, case.name + ".json"), "w", encoding="utf-8") as f:
            json.dump(entry, f, ensure_ascii=False, indent=1)
            f.write("\n")
        manifest.append(entry)
    with open(os.path.join(outdir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return manifest


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: document_cases.py OUTDIR", file=sys.stderr)
        sys.exit(2)
    print(f"wrote {len(write_cases(sys.argv[1]))} cases to {sys.argv[1]}")
