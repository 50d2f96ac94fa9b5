"""Tests for documents.py and document_cases.py: real tools must open what they write.

Run from tests/gen:  python3 -m unittest -v test_documents

Each document is checked by the tool that owns its format: ``file -b`` names its type,
``unzip -t`` tests every ZIP-based file (with the password for the encrypted one, and rejects
a wrong password), ``pdftotext`` (poppler-utils) extracts the keyword from every positive PDF
and nothing of the kind from the negative, ``tar -tf`` lists the tar archives and ``gzip -t``
tests the gzip files. The RAR files' header CRCs are checked with the standard library, and
where installed bsdtar (libarchive-tools) lists them and 7z sees their encryption (and the
encrypted docx's two Compound File streams). The manifest's keyword paths are followed with
the standard library.
The captures of document_cases.py are read back with tshark: its HTTP and IMF dissectors must
see every upload and attachment, and the file they export must be the document, byte for byte.

A tool that rejects a file fails the test; a tool that is not installed skips its test.
"""

import email
import email.policy
import glob
import gzip
import html
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import unittest
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import document_cases  # noqa: E402
import documents  # noqa: E402

ZIP_BASED = {"docx", "xlsx", "pptx", "odt", "ods", "odp", "zip"}
# What file 5.44 (Debian 12) prints for each type, from the start of its description.
FILE_DESCRIPTIONS = {
    "docx": "Microsoft Word 2007+",
    "xlsx": "Microsoft Excel 2007+",
    "pptx": "Microsoft PowerPoint 2007+",
    "odt": "OpenDocument Text",
    "ods": "OpenDocument Spreadsheet",
    "odp": "OpenDocument Presentation",
    "zip": "Zip archive data",
    "gzip": "gzip compressed data",
    "tar": "POSIX tar archive",
    "pdf": "PDF document, version 1.4, 1 pages",
    "rtf": "Rich Text Format data, version 1, ANSI",
    "ole2": "Composite Document File V2 Document",
    "7z": "7-zip archive data, version 0.4",
    "rar": "RAR archive data, v5",
}
# Files whose description is not their type's: RAR 4 and an encrypted OOXML file (which file
# names by the EncryptedPackage stream of its Compound File, not as a Word document).
FILE_DESCRIPTIONS_BY_NAME = {
    "plan-v4.rar": "RAR archive data, v4",
    "board.docx": "CDFV2 Encrypted",
    "salaries.doc": "Composite Document File V2 Document, Little Endian, Os: Windows, Version "
                    "6.0, Code page: 1252, Name of Creating Application: Microsoft Office Word, "
                    "Security: 1",
    "salaries.xls": "Composite Document File V2 Document, Little Endian, Os: Windows, Version "
                    "6.0, Code page: 1252, Name of Creating Application: Microsoft Excel, "
                    "Security: 1",
}


def have(tool):
    return shutil.which(tool) is not None


def run_tool(command, **kwargs):
    """Runs ``command``; fails the calling test with the tool's output unless it exits 0."""
    result = subprocess.run(command, capture_output=True, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {result.returncode}:\n"
                             f"{result.stdout!r}\n{result.stderr!r}")
    return result.stdout


def markup_text(data: bytes) -> str:
    """The text of an XML part the crude way (tags dropped, references decoded): enough to
    show the keyword is in the part named by the manifest, runs joined."""
    return html.unescape(re.sub(r"<[^>]*>", "", data.decode("utf-8")))


def open_entry(container: bytes, kind: str, name: str) -> bytes:
    """The entry ``name`` of a zip, tar or gzip file held in memory."""
    if kind == "gzip":
        return gzip.decompress(container)
    if kind == "tar":
        with tarfile.open(fileobj=io.BytesIO(container)) as tar:
            return tar.extractfile(name).read()
    with zipfile.ZipFile(io.BytesIO(container)) as zf:
        return zf.read(name, pwd=documents.ZIP_PASSWORD)


def sniff(data: bytes) -> str:
    """Just enough content sniffing to walk a manifest path."""
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    if data[257:262] == b"ustar":
        return "tar"
    return "zip"


class Documents(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.manifest = documents.write_documents(cls.dir)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()

    def of_type(self, *types):
        return [e for e in self.manifest if e["type"] in types]

    def test_manifest_lists_every_file_written(self):
        with open(self.path("manifest.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f), self.manifest)
        written = sorted(os.listdir(self.dir))
        self.assertEqual(written, sorted([e["name"] for e in self.manifest] + ["manifest.json"]))
        self.assertEqual(self.manifest[0]["path"][0], self.manifest[0]["name"])

    def test_bytes_are_reproducible(self):
        for doc in documents.DOCUMENTS:
            self.assertEqual(doc.build(), self.read(doc.name), doc.name)

    def test_keyword_is_where_the_manifest_says(self):
        for entry in self.manifest:
            if entry["path"] is None or entry["type"] in ("pdf", "rtf"):
                continue  # PDFs: pdftotext below; RTF: test_rtf_escapes
            with self.subTest(entry["name"]):
                data, kind = self.read(entry["name"]), entry["type"]
                for name in entry["path"][1:]:
                    data = open_entry(data, kind if kind in ("gzip", "tar") else "zip", name)
                    kind = sniff(data)
                text = markup_text(data) if entry["path"][-1].endswith(".xml") else \
                    data.decode("utf-8")
                self.assertIn(entry["keyword"], text)

    def test_negatives_hold_no_keyword_at_any_depth(self):
        def texts(data):
            if data[:4] == b"PK\x03\x04":
                with zipfile.ZipFile(io.BytesIO(data)) as zf:
                    for name in zf.namelist():
                        yield from texts(zf.read(name))
            else:
                yield data.decode("latin-1") + markup_text(data) if data[:5] == b"<?xml" \
                    else data.decode("latin-1")
        for entry in self.manifest:
            if entry["note"].startswith("negative"):
                for text in texts(self.read(entry["name"])):
                    for keyword in documents.KEYWORDS:
                        self.assertNotIn(keyword, text, entry["name"])

    def test_rtf_escapes(self):
        gbk = self.read("rtf_gbk.rtf").decode("ascii")
        hexed = bytes(int(h, 16) for h in re.findall(r"\\'([0-9a-f]{2})", gbk))
        self.assertEqual(hexed.decode("gbk"), documents.JUEMI)
        escaped = self.read("rtf_unicode.rtf").decode("ascii")
        units = "".join(chr(int(n)) for n in re.findall(r"\\u(\d+)\?", escaped))
        self.assertEqual(units, documents.JIMI)

    def test_odf_mimetype_comes_first_and_stored(self):
        for entry in self.of_type("odt", "ods", "odp"):
            data = self.read(entry["name"])
            first = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
            self.assertEqual((first.filename, first.compress_type), ("mimetype", 0))
            self.assertEqual(data[30:38], b"mimetype")  # the fixed offset readers sniff
            self.assertEqual(data[38:38 + first.file_size],
                             ("application/vnd.oasis.opendocument." +
                              {"odt": "text", "ods": "spreadsheet",
                               "odp": "presentation"}[entry["type"]]).encode())

    @unittest.skipUnless(have("file"), "file is not installed")
    def test_file_names_each_type(self):
        for entry in self.manifest:
            with self.subTest(entry["name"]):
                said = run_tool(["file", "-b", self.path(entry["name"])]).decode()
                expected = FILE_DESCRIPTIONS_BY_NAME.get(entry["name"],
                                                         FILE_DESCRIPTIONS[entry["type"]])
                self.assertTrue(said.startswith(expected), said)

    @unittest.skipUnless(have("unzip"), "unzip is not installed")
    def test_unzip_accepts_every_zip_based_file(self):
        for entry in self.manifest:
            if entry["type"] not in ZIP_BASED:
                continue
            with self.subTest(entry["name"]):
                password = ["-P", documents.ZIP_PASSWORD.decode()] if entry["encrypted"] else []
                run_tool(["unzip", "-tq", *password, self.path(entry["name"])])

    @unittest.skipUnless(have("unzip"), "unzip is not installed")
    def test_unzip_accepts_nested_files(self):
        nested = {"bundle.zip": ["q3/plan.docx"], "nested.zip": ["inner.zip", "plan.docx"]}
        for outer, chain in nested.items():
            data = self.read(outer)
            for depth, name in enumerate(chain):
                data = open_entry(data, "zip", name)
                inner = self.path(f"inner-{depth}.zip")
                with open(inner, "wb") as f:
                    f.write(data)
                try:
                    run_tool(["unzip", "-tq", inner])
                finally:
                    os.remove(inner)

    @unittest.skipUnless(have("unzip"), "unzip is not installed")
    def test_encrypted_zip_needs_its_password(self):
        path = self.path("encrypted.zip")
        out = run_tool(["unzip", "-p", "-P", documents.ZIP_PASSWORD.decode(), path])
        self.assertEqual(out, documents.ENCRYPTED_TEXT)
        wrong = subprocess.run(["unzip", "-tq", "-P", "wrong", path], capture_output=True)
        self.assertNotEqual(wrong.returncode, 0, "unzip accepted a wrong password")

    @unittest.skipUnless(have("pdftotext"), "pdftotext (poppler-utils) is not installed")
    def test_pdftotext_extracts_the_keyword(self):
        for entry in self.of_type("pdf"):
            with self.subTest(entry["name"]):
                text = run_tool(["pdftotext", "-enc", "UTF-8", self.path(entry["name"]), "-"])
                text = text.decode("utf-8")
                if entry["name"] == "pdf_title.pdf":  # not page text: see the pdfinfo test
                    self.assertNotIn(entry["keyword"], text)
                    self.assertIn("document properties", text)
                elif entry["name"] == "pdf_xmp.pdf":  # see the pdfinfo -meta test
                    self.assertNotIn(entry["keyword"], text)
                    self.assertIn("document metadata", text)
                elif entry["name"] == "pdf_attachment.pdf":  # see the pdfdetach test
                    self.assertNotIn(entry["keyword"], text)
                    self.assertIn("attached plan", text)
                elif entry["keyword"] is None:
                    for keyword in documents.KEYWORDS:
                        self.assertNotIn(keyword, text)
                    self.assertIn("public", text)  # the text is there, only not a keyword
                else:
                    self.assertIn(entry["keyword"], text)

    def test_encrypted_pdf_hides_its_text(self):
        data = self.read("pdf_encrypted.pdf")
        self.assertIn(b"/Encrypt", data)
        self.assertNotIn(b"SECRET", data)
        self.assertNotIn(b"Aurora", data)

    @unittest.skipUnless(have("pdfinfo"), "pdfinfo (poppler-utils) is not installed")
    def test_pdfinfo_shows_the_title_with_the_keyword(self):
        info = run_tool(["pdfinfo", "-enc", "UTF-8", self.path("pdf_title.pdf")]).decode()
        self.assertRegex(info, "Title:\\s+Aurora plan \u2013 TOP SECRET\n")
        self.assertRegex(info, "Author:\\s+A. Chen\n")

    @unittest.skipUnless(have("pdfdetach") and have("unzip"),
                         "pdfdetach (poppler-utils) or unzip is not installed")
    def test_pdfdetach_saves_the_attached_docx(self):
        listing = run_tool(["pdfdetach", "-list", self.path("pdf_attachment.pdf")]).decode()
        self.assertIn("1: plan.docx", listing)
        with tempfile.TemporaryDirectory() as tmp:
            saved = os.path.join(tmp, "plan.docx")
            run_tool(["pdfdetach", "-save", "1", "-o", saved, self.path("pdf_attachment.pdf")])
            with open(saved, "rb") as f:
                self.assertEqual(f.read(), documents.docx_split_runs())
            run_tool(["unzip", "-tq", saved])

    @unittest.skipUnless(have("pdfinfo"), "pdfinfo (poppler-utils) is not installed")
    def test_pdfinfo_prints_the_xmp_with_the_keyword(self):
        meta = run_tool(["pdfinfo", "-meta", self.path("pdf_xmp.pdf")]).decode("utf-8")
        self.assertIn("Board pack &#8211; TOP SECRET, do not forward", meta)
        self.assertIn("<dc:description>", meta)

    @unittest.skipUnless(have("pdfinfo"), "pdfinfo (poppler-utils) is not installed")
    def test_pdfinfo_sees_rc4_encryption(self):
        info = run_tool(["pdfinfo", self.path("pdf_encrypted.pdf")]).decode()
        self.assertRegex(info, r"Encrypted:\s+yes .*algorithm:RC4")

    def rar5_headers(self, name):
        """The (type, flags, fields and extra area, data) of each header of a RAR 5 file,
        after checking every header's CRC32."""
        def vint(data, pos):
            value = shift = 0
            while True:
                value |= (data[pos] & 0x7F) << shift
                shift += 7
                pos += 1
                if not data[pos - 1] & 0x80:
                    return value, pos
        data = self.read(name)
        self.assertEqual(data[:8], documents.RAR5_SIGNATURE)
        pos, headers = 8, []
        while pos < len(data):
            size, start = vint(data, pos + 4)
            end = start + size
            self.assertEqual(struct.unpack_from("<I", data, pos)[0], zlib.crc32(data[pos + 4:end]),
                             f"{name}: header CRC32 at {pos}")
            kind, at = vint(data, start)
            flags, at = vint(data, at)
            if flags & 0x0001:
                _, at = vint(data, at)
            data_size = 0
            if flags & 0x0002:
                data_size, at = vint(data, at)
            headers.append((kind, flags, data[at:end], data[end:end + data_size]))
            pos = end + data_size
            if kind == 4:  # the rest is encrypted headers
                self.assertEqual(len(data) - pos, 64)
                break
        return headers

    def test_rar5_headers(self):
        """Every header's CRC32 is right; the file header of plan.rar has an encryption record
        (extra record type 1, AES-256) and 64 bytes of data, clean.rar's holds the text; the
        -hp archive starts with an archive encryption header."""
        plan, clean = self.rar5_headers("plan.rar"), self.rar5_headers("clean.rar")
        self.assertEqual([h[0] for h in plan], [1, 2, 5])
        self.assertEqual([h[0] for h in clean], [1, 2, 5])
        self.assertEqual(plan[1][1], 0x0003)          # extra area and data area
        self.assertIn(b"\x01\x00\x03\x0f", plan[1][2])  # type 1, version 0, flags 3, KDF 15
        self.assertIn(b"q3/plan.txt", plan[1][2])
        self.assertEqual(len(plan[1][3]), 64)
        self.assertEqual(clean[1][1], 0x0002)         # no extra area
        self.assertEqual(clean[1][3], documents.RAR_CLEAN_TEXT)
        headers_encrypted = self.rar5_headers("plan-hp.rar")
        self.assertEqual([h[0] for h in headers_encrypted], [4])
        self.assertEqual(self.rar5_headers("empty.rar")[-1][0], 5)

    def test_rar4_headers(self):
        data = self.read("plan-v4.rar")
        self.assertEqual(data[:7], b"Rar!\x1a\x07\x00")
        pos, kinds = 7, []
        while pos < len(data):
            crc, kind, flags, size = struct.unpack_from("<HBHH", data, pos)
            self.assertEqual(crc, zlib.crc32(data[pos + 2:pos + size]) & 0xFFFF, hex(kind))
            kinds.append((kind, flags))
            pos += size
            if flags & 0x8000:
                pos += struct.unpack_from("<I", data, pos - size + 7)[0]
        self.assertEqual(pos, len(data))
        self.assertEqual(kinds, [(0x73, 0), (0x74, 0x8004), (0x7B, 0x4000)])

    @unittest.skipUnless(have("bsdtar"), "bsdtar (libarchive-tools) is not installed")
    def test_bsdtar_lists_the_rars(self):
        for name in ("plan.rar", "plan-v4.rar", "clean.rar"):
            self.assertEqual(run_tool(["bsdtar", "-tf", self.path(name)]).split(),
                             [b"q3/plan.txt"], name)
        self.assertEqual(run_tool(["bsdtar", "-xOf", self.path("clean.rar")]),
                         documents.RAR_CLEAN_TEXT)
        hidden = subprocess.run(["bsdtar", "-tf", self.path("plan-hp.rar")], capture_output=True)
        self.assertNotEqual(hidden.returncode, 0)
        self.assertIn(b"Encryption is not supported", hidden.stderr)

    @unittest.skipUnless(have("7z"), "7z is not installed")
    def test_7z_sees_the_encryption(self):
        """7-Zip marks the RAR entries encrypted, takes the RAR 5 password check value for the
        right password only (then the stand-in ciphertext fails its CRC), and lists the two
        streams of the encrypted docx's Compound File."""
        for name in ("plan.rar", "plan-v4.rar"):
            listing = run_tool(["7z", "l", "-slt", "-pwrong", self.path(name)]).decode()
            self.assertIn("Path = q3/plan.txt", listing)
            self.assertIn("Encrypted = +", listing)

        def test(password):
            result = subprocess.run(["7z", "t", f"-p{password}", self.path("plan.rar")],
                                    capture_output=True)
            return (result.stdout + result.stderr).decode()
        self.assertIn("Wrong password :", test("wrong"))
        self.assertNotIn("Wrong password :", test(documents.ZIP_PASSWORD.decode()))
        listing = run_tool(["7z", "l", "-slt", self.path("board.docx")]).decode()
        self.assertIn("Type = Compound", listing)
        info = documents.agile_encryption_info()
        self.assertIn(f"Path = EncryptionInfo\nSize = {len(info)}\n", listing)
        self.assertIn("Path = EncryptedPackage\nSize = 4104\n", listing)
        stream = run_tool(["7z", "e", "-so", self.path("board.docx"), "EncryptionInfo"])
        self.assertEqual(stream, info)

    @unittest.skipUnless(have("7z"), "7z is not installed")
    def test_7z_decrypts_the_7z_archives(self):
        """7-Zip tests each 7z with the password (the AES is real), fails the encrypted ones with
        a wrong one (plan-mhe.7z cannot even be listed), and reads the text back."""
        for name in ("plan.7z", "plan-mhe.7z", "clean.7z"):
            self.assertIn(b"Everything is Ok",
                          run_tool(["7z", "t", "-ppassword", self.path(name)]), name)
        for name in ("plan.7z", "plan-mhe.7z"):
            wrong = subprocess.run(["7z", "t", "-pwrong", self.path(name)], capture_output=True)
            self.assertNotEqual(wrong.returncode, 0, name)
        listing = run_tool(["7z", "l", "-slt", "-pwrong", self.path("plan.7z")]).decode()
        self.assertIn("Encrypted = +", listing)
        self.assertIn("Method = 7zAES:19 LZMA:16", listing)
        self.assertEqual(run_tool(["7z", "x", "-so", "-ppassword", self.path("plan.7z")]),
                         documents.sealed_files.SEVENZIP_TEXT)
        self.assertEqual(run_tool(["7z", "x", "-so", self.path("clean.7z")]),
                         documents.sealed_files.SEVENZIP_CLEAN_TEXT)

    @unittest.skipUnless(have("7z"), "7z is not installed")
    def test_7z_reads_the_legacy_office_streams(self):
        """The Compound Files are whole: 7-Zip lists their streams and returns the Word FIB
        (fEncrypted set or not) and the workbook's BOF then FILEPASS."""
        doc = run_tool(["7z", "e", "-so", self.path("salaries.doc"), "WordDocument"])
        self.assertEqual(struct.unpack_from("<HH", doc, 0)[0], 0xA5EC)
        self.assertTrue(struct.unpack_from("<H", doc, 0x0A)[0] & 0x0100)
        clean = run_tool(["7z", "e", "-so", self.path("clean.doc"), "WordDocument"])
        self.assertFalse(struct.unpack_from("<H", clean, 0x0A)[0] & 0x0100)
        xls = run_tool(["7z", "e", "-so", self.path("salaries.xls"), "Workbook"])
        self.assertEqual(struct.unpack_from("<HH", xls, 0), (0x0809, 16))
        self.assertEqual(struct.unpack_from("<H", xls, 20)[0], 0x002F)

    @unittest.skipUnless(have("tar"), "tar is not installed")
    def test_tar_lists_the_archives(self):
        self.assertEqual(run_tool(["tar", "-tf", self.path("plans.tar")]).split(),
                         [b"q3/readme.txt", b"q3/plan.docx"])
        self.assertEqual(run_tool(["tar", "-tzf", self.path("plans.tar.gz")]).split(),
                         [b"q3/plan.docx"])

    @unittest.skipUnless(have("gzip"), "gzip is not installed")
    def test_gzip_accepts_the_gzip_files(self):
        for entry in self.of_type("gzip"):
            run_tool(["gzip", "-t", self.path(entry["name"])])


class DocumentCaptures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.manifest = document_cases.write_cases(cls.dir)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def pcap(self, case):
        return os.path.join(self.dir, case["name"] + ".pcap")

    def test_manifests_match_the_cases(self):
        with open(os.path.join(self.dir, "manifest.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f), self.manifest)
        for case in self.manifest:
            with open(os.path.join(self.dir, case["name"] + ".json"), encoding="utf-8") as f:
                self.assertEqual(json.load(f), case)
            doc = documents.BY_NAME[case["document"]]
            self.assertEqual(case["path"][0], case["file_name"])
            self.assertEqual(case["expect_alert"], case["alert_kind"] is not None)
            if doc.keyword is None:
                self.assertIsNone(case["keyword"])
            if case["direction"] == "ingress":
                self.assertFalse(case["expect_alert"])

    def test_every_carrier_and_negative_is_covered(self):
        carriers = {c["carrier"] for c in self.manifest}
        self.assertEqual(carriers, set(document_cases.CARRIERS))
        self.assertTrue(any(c["direction"] == "ingress" and c["keyword"] for c in self.manifest))
        negatives = {c["document"] for c in self.manifest
                     if c["document"].startswith("clean.")}
        self.assertEqual(negatives, {"clean.docx", "clean.xlsx", "clean.pdf", "clean.zip",
                                     "clean.rar", "clean.7z", "clean.doc", "clean.xls"})
        for doc in documents.DOCUMENTS:  # every document travels in at least one capture
            self.assertIn(doc.name, {c["document"] for c in self.manifest})

    def test_bytes_are_reproducible(self):
        for case in document_cases.CASES[:5]:
            again = os.path.join(self.dir, "again.pcap")
            case.build().save(again)
            with open(again, "rb") as a, open(self.pcap(case.manifest()), "rb") as b:
                self.assertEqual(a.read(), b.read(), case.name)
            os.remove(again)

    @unittest.skipUnless(have("tshark"), "tshark is not installed")
    def test_tshark_reads_every_capture_cleanly(self):
        for case in self.manifest:
            with self.subTest(case["name"]):
                problems = run_tool(["tshark", "-r", self.pcap(case), "-Y",
                                     "_ws.malformed || _ws.expert.severity >= warning"])
                self.assertEqual(problems, b"")

    def exported(self, case, protocol):
        """The objects tshark's ``protocol`` dissector exports from the case's capture."""
        out = os.path.join(self.dir, "export-" + case["name"])
        run_tool(["tshark", "-r", self.pcap(case), "-q", "--export-objects", f"{protocol},{out}"])
        files = {}
        for path in glob.glob(os.path.join(out, "*")):
            with open(path, "rb") as f:
                files[os.path.basename(path)] = f.read()
        shutil.rmtree(out, ignore_errors=True)
        return files

    @unittest.skipUnless(have("tshark"), "tshark is not installed")
    def test_tshark_http_sees_each_file(self):
        for case in self.manifest:
            if not case["carrier"].startswith("http"):
                continue
            with self.subTest(case["name"]):
                data = documents.BY_NAME[case["document"]].build()
                objects = list(self.exported(case, "http").values())
                if case["carrier"] == "http-multipart":
                    # The form body is exported whole; the file is one of its parts.
                    self.assertEqual(len(objects), 1)
                    self.assertIn(b"\r\n\r\n" + data + b"\r\n--", objects[0])
                    names = run_tool(["tshark", "-r", self.pcap(case), "-Y", "http.request",
                                      "-T", "fields", "-e",
                                      "mime_multipart.header.content-disposition"])
                    self.assertIn(b'name="file";filename="', names)
                else:
                    # PUT bodies and downloads; tshark inflates Content-Encoding: gzip.
                    self.assertIn(data, objects)

    @unittest.skipUnless(have("tshark"), "tshark is not installed")
    def test_tshark_sees_the_gbk_file_name_bytes(self):
        case = document_cases.BY_NAME["multipart_gbk_name_xlsx_shared_strings"].manifest()
        body = next(iter(self.exported(case, "http").values()))
        self.assertIn(b'filename="' + case["file_name"].encode("gbk") + b'"', body)

    @unittest.skipUnless(have("tshark"), "tshark is not installed")
    def test_tshark_imf_sees_each_attachment(self):
        for case in self.manifest:
            if case["carrier"] != "smtp-base64":
                continue
            with self.subTest(case["name"]):
                messages = list(self.exported(case, "imf").values())
                self.assertEqual(len(messages), 1)
                message = email.message_from_bytes(messages[0], policy=email.policy.default)
                attachments = list(message.iter_attachments())
                self.assertEqual(len(attachments), 1)
                # email decodes RFC 2231 filename*= as a receiver must.
                self.assertEqual(attachments[0].get_filename(), case["file_name"])
                self.assertEqual(attachments[0].get_content(),
                                 documents.BY_NAME[case["document"]].build())


if __name__ == "__main__":
    unittest.main()
