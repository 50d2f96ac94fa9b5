#!/usr/bin/env python3
"""The document-heavy egress mix: HTTP uploads of real docx, xlsx, pdf and zip files among
ordinary egress, for measuring document extraction on against off in one run.

    python3 bench/workloads/document_mix.py OUT.pcap [--bytes 250000000] [--seed 1] [--check]

(make_workloads.py --which documents makes it as documents.pcap, cached like the others.)

It is the egress mix's machinery (egress_mix.Mix: addressing, the event heap that interleaves
flows, TCP flights with exact sequence numbers and ACKs) with one more kind of flow: an HTTP/1.1
connection from an inside host (10.0.0.0/8) to an outside server on port 80 that uploads one to
three documents, each either as a browser's ``multipart/form-data`` POST (a folder field, then
the file part) or as a raw ``PUT`` of the file (WebDAV / object-store style) with the
document's Content-Type. Around them run the mix's own flows, unchanged: HTTP with JSON, form,
text, chunked, gzip and multipart uploads and downloads, TLS, SMTP, SSH and plain TCP.

Frame-byte shares (``SHARES``) are set so that the documents are about half of all
client-to-server TCP/UDP payload bytes (the strictest reading of "upload bytes": every byte an
inside host sends, headers, TLS records and SMTP included); the generator prints the shares it
reached, and the manifest records them.

The documents are real files that unzip and pdftotext open, built with tests/gen/documents.py's
primitives and sized like office files (tens of KB to a few MB):

- docx: WordprocessingML with Word-like markup (rsids, paragraph and run properties, headings,
  bold runs) over paragraphs of the corpus's prose, every part deflated as Word writes them,
  half of them with 1-4 embedded JPEG-sized images (word/media);
- xlsx: one sheet of 200-40,000 rows x 8 columns (ids, names, date serials, categories,
  amounts, quantities, regions, notes) with a shared-strings table, deflated;
- pdf: bench/pdf_text_bench.py's report layout (FlateDecode content streams, TJ kerning in a
  WinAnsi Type1 font, a CJK line in a Type0 font mapped by a ToUnicode CMap written after the
  pages, a DCT image every four pages) with the corpus's prose and 2-300 pages;
- zip: 2-5 of those documents (and sometimes a CSV export) in folders, deflated again.

Building hundreds of megabytes of distinct office files in Python would dominate the run, so a
seeded pool of distinct documents (``--pool``, 160 by default) is made first and every upload
sends one of them; an upload of the same file twice is ordinary on a real uplink. One pool
document in 20 carries a classification marking of rules/default.yaml (TOP SECRET, STRICTLY
CONFIDENTIAL, FOR OFFICIAL USE ONLY, 绝密) inside its deflated or Flate-compressed text, so
only document extraction finds it: the manifest's ``expected_alerts_at_least`` gives the alerts
with extraction on and with it off (the difference is the documents' one alert per flow and
rule). Everything is deterministic for a seed.

Standard library only (``--check`` runs unzip and pdftotext when they are installed).
"""

import argparse
import heapq
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "gen"))  # pcapgen (TLS, DNS), documents
sys.path.insert(0, os.path.join(ROOT, "bench"))  # pdf_text_bench: the report's CJK font

import documents as D  # noqa: E402
from corpus import materialize  # noqa: E402
from egress_mix import Mix  # noqa: E402
from fastpcap import PcapOut  # noqa: E402
from mix_flows import FIRST, LAST, MS, ROUTER_MAC, USER_AGENTS  # noqa: E402
from pdf_text_bench import CJK  # noqa: E402
from tcp_flights import HANDSHAKE_AND_CLOSE, wire_bytes  # noqa: E402

# Frame-byte shares of the flow kinds; "docs" are the document upload connections.
SHARES = {"docs": 0.40, "http": 0.30, "tls": 0.15, "smtp": 0.10, "other": 0.05}
PLANT_EVERY = 20  # one pool document in 20 carries a marking
# (marking, rule id in rules/default.yaml, ASCII: can go in the PDF's WinAnsi font)
MARKINGS = [("TOP SECRET", 1000, True), ("STRICTLY CONFIDENTIAL", 1002, True),
            ("FOR OFFICIAL USE ONLY", 1003, True), ("\u7edd\u5bc6", 1010, False)]
DOC_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "zip": "application/zip",
}
# Pool composition by count (zips are built last, from the others).
POOL_MIX = (("docx", 0.35), ("xlsx", 0.25), ("pdf", 0.30), ("zip", 0.10))


class Doc:
    __slots__ = ("name", "ext", "data", "rules", "marking")

    def __init__(self, name, ext, data, rules, marking):
        self.name, self.ext, self.data, self.rules, self.marking = name, ext, data, rules, marking


class CountingOut(PcapOut):
    """PcapOut that also counts the payload bytes inside hosts send (frames to the router)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.up_payload = 0

    def frame(self, parts, length):
        if len(parts) > 2 and parts[0][:6] == ROUTER_MAC:
            self.up_payload += len(parts[2])
        super().frame(parts, length)


# --------------------------------------------------------------------------- documents

def _lognorm(rng, median, sigma, lo, hi):
    import math
    return int(min(max(rng.lognormvariate(math.log(median), sigma), lo), hi))


class DocumentFactory:
    """Builds the pool's documents from the corpus's prose (seeded)."""

    def __init__(self, corpus, rng):
        self.c = corpus
        self.rng = rng
        self.vocab = corpus.vocab

    def words(self, n):
        return " ".join(self.rng.choice(self.vocab[100:]) for _ in range(n))

    def prose(self, n, flat=False):
        return materialize(self.c.text_slice(self.rng, n, flat))

    def _jpeg(self, n):
        """A JPEG-sized blob: SOI/APP0 then the corpus's random bytes (compressed data)."""
        return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + \
            materialize(self.c.rand_slice(self.rng, n)) + b"\xff\xd9"

    # docx ------------------------------------------------------------------------------

    def docx(self, text_bytes, marking):
        rng = self.rng
        rsid = "%08X" % rng.getrandbits(32)
        ppr = ('<w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/>'
               '<w:jc w:val="both"/></w:pPr>')
        rpr = ('<w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri" w:cs="Calibri"/>'
               '<w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="en-US"/></w:rPr>')
        rpr_b = rpr.replace("<w:rFonts", "<w:b/><w:bCs/><w:rFonts")
        paras = []
        text = self.prose(text_bytes).decode("ascii")
        for k, para in enumerate(text.split("\n")):
            if not para:
                continue
            if k % 9 == 0:
                head = " ".join(para.split(" ")[:rng.randint(3, 7)]).rstrip(",.?")
                paras.append(f'<w:p w:rsidR="{rsid}" w:rsidRDefault="{rsid}"><w:pPr><w:pStyle '
                             f'w:val="Heading{1 + (k // 9) % 2}"/></w:pPr><w:r>{rpr}<w:t>{head}'
                             f'</w:t></w:r></w:p>')
            runs = []
            for sentence in para.split(". "):
                r = rpr_b if rng.random() < 0.08 else rpr
                runs.append(f'<w:r>{r}<w:t xml:space="preserve">{sentence}. </w:t></w:r>')
            paras.append(f'<w:p w:rsidR="{rsid}" w:rsidRDefault="{rsid}" w:rsidP="{rsid}">{ppr}'
                         + "".join(runs) + "</w:p>")
        if marking:
            label = "\u5bc6\u7ea7\uff1a" + marking + "\u2605\u542f\u7528\u524d" \
                if not marking.isascii() else f"Classification: {marking}"
            paras.insert(rng.randrange(len(paras) + 1),
                         f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r>{rpr_b}'
                         f'<w:t xml:space="preserve">{D.xml_text(label)}</w:t></w:r></w:p>')
        main = "application/vnd.openxmlformats-officedocument.wordprocessingml"
        document = (D.XML_HEAD + f"<w:document {D.W_NS} {D.R_NS}><w:body>" + "".join(paras) +
                    '<w:sectPr><w:pgSz w:w="12240" w:h="15840"/><w:pgMar w:top="1440" '
                    'w:right="1440" w:bottom="1440" w:left="1440"/></w:sectPr>'
                    "</w:body></w:document>").encode()
        media = []
        if rng.random() < 0.5:
            media = [(f"word/media/image{i + 1}.jpeg", self._jpeg(_lognorm(rng, 120_000, 0.9,
                                                                           15_000, 1_200_000)))
                     for i in range(rng.randint(1, 4))]
        overrides = [("/word/document.xml", f"{main}.document.main+xml")] + \
            [("/" + n, "image/jpeg") for n, _ in media]
        entries = [("[Content_Types].xml", D.content_types(overrides)),
                   ("_rels/.rels", D.relationships([("rId1", "officeDocument",
                                                     "word/document.xml")])),
                   ("word/document.xml", document)]
        if media:
            entries.append(("word/_rels/document.xml.rels", D.relationships(
                [(f"rId{i + 1}", "image", n[len("word/"):]) for i, (n, _) in enumerate(media)])))
            entries += media
        return D.zip_container(entries)

    # xlsx ------------------------------------------------------------------------------

    def xlsx(self, rows, marking):
        rng = self.rng
        names = [f"{a.capitalize()} {b.capitalize()}" for a in FIRST for b in LAST]
        cats = [self.words(rng.randint(1, 2)) for _ in range(60)]
        regions = ["EMEA", "APAC", "Americas", "North", "South", "Central", "Online", "Partner"]
        notes = [s.strip() for s in self.prose(60_000, flat=True).decode().split(". ") if s][:800]
        header = ["Id", "Owner", "Date", "Category", "Amount", "Quantity", "Region", "Note"]
        shared = header + names + cats + regions + notes
        base_name, base_cat = len(header), len(header) + len(names)
        base_reg = base_cat + len(cats)
        base_note = base_reg + len(regions)
        out = ['<row r="1">' + "".join(f'<c r="{col}1" t="s"><v>{i}</v></c>'
                                       for i, col in enumerate("ABCDEFGH")) + "</row>"]
        mark_row = rng.randrange(2, rows + 2) if marking else -1
        if marking:
            shared.append(f"Classification: {marking}")
        randrange, choice = rng.randrange, rng.choice
        for r in range(2, rows + 2):
            note = len(shared) - 1 if r == mark_row else base_note + randrange(len(notes))
            out.append(
                f'<row r="{r}"><c r="A{r}"><v>{r - 1}</v></c>'
                f'<c r="B{r}" t="s"><v>{base_name + randrange(len(names))}</v></c>'
                f'<c r="C{r}"><v>{45000 + randrange(1200)}</v></c>'
                f'<c r="D{r}" t="s"><v>{base_cat + randrange(len(cats))}</v></c>'
                f'<c r="E{r}"><v>{randrange(100, 9_999_999) / 100:.2f}</v></c>'
                f'<c r="F{r}"><v>{randrange(1, 500)}</v></c>'
                f'<c r="G{r}" t="s"><v>{base_reg + choice((0, 1, 2, 3, 4, 5, 6, 7))}</v></c>'
                f'<c r="H{r}" t="s"><v>{note}</v></c></row>')
        return D.xlsx("".join(out), shared=shared)

    # pdf -------------------------------------------------------------------------------

    def _pdf_page(self, mark):
        """One page as pdf_text_bench.page_content lays it out, with the corpus's prose."""
        rng = self.rng
        words = self.prose(3600, flat=True).split(b" ")
        lines, y = [], 760
        for k in range(40):
            line = b" ".join(words[k * 11:(k + 1) * 11]) or b"-"
            cut = rng.randrange(1, max(2, len(line) // 2))
            lines.append(b"BT /F1 10 Tf 72 %d Td [(%s) -%d (%s)] TJ ET" %
                         (y, line[:cut], rng.randrange(10, 90), line[cut:]))
            y -= 16
        glyphs = "".join("%04X" % rng.choice(list(CJK)) for _ in range(20))
        lines.append(b"BT /F2 10 Tf 72 90 Td <%s> Tj ET" % glyphs.encode())
        if mark:
            lines.append(b"BT /F1 14 Tf 72 60 Td (Classification: %s) Tj ET" % mark.encode())
        return b"\n".join(lines) + b"\n"

    def pdf(self, pages, marking):
        """pdf_text_bench.report's structure: pages first, fonts and CMap after, images last."""
        rng = self.rng
        first_page = 3
        fonts = first_page + 2 * pages
        n_img = rng.choice((0, 1, 1, 2, 3))
        image = fonts + 4
        mark_page = rng.randrange(pages) if marking else -1
        kids = " ".join("%d 0 R" % (first_page + 2 * i) for i in range(pages))
        objs = [D.PdfObject(b"<< /Type /Catalog /Pages 2 0 R >>"),
                D.PdfObject(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids.encode(), pages))]
        for i in range(pages):
            xobject = b""
            if n_img and i % 4 == 0:
                xobject = b" /XObject << /Im1 %d 0 R >>" % (image + (i // 4) % n_img)
            objs.append(D.PdfObject(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << "
                b"/F1 %d 0 R /F2 %d 0 R >>%s >> /Contents %d 0 R >>" %
                (fonts, fonts + 1, xobject, first_page + 2 * i + 1)))
            objs.append(D.PdfObject(b"<< /Filter /FlateDecode >>", zlib.compress(
                self._pdf_page(marking if i == mark_page else None), 6)))
        objs.append(D.PdfObject(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                                b"/Encoding /WinAnsiEncoding >>"))
        objs.append(D.PdfObject(b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding "
                                b"/Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" %
                                (fonts + 2, fonts + 3)))
        objs.append(D.PdfObject(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun "
                                b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) "
                                b"/Supplement 0 >> /DW 1000 /CIDToGIDMap /Identity >>"))
        objs.append(D.PdfObject(b"<< /Filter /FlateDecode >>",
                                zlib.compress(D.to_unicode_cmap(CJK))))
        for _ in range(n_img):
            objs.append(D.PdfObject(b"<< /Type /XObject /Subtype /Image /Width 800 /Height 600 "
                                    b"/ColorSpace /DeviceRGB /BitsPerComponent 8 "
                                    b"/Filter /DCTDecode >>",
                                    self._jpeg(_lognorm(rng, 90_000, 0.8, 20_000, 600_000))))
        return D.pdf_file(objs)

    # zip -------------------------------------------------------------------------------

    def zip(self, members, with_csv):
        rng = self.rng
        folder = f"{self.words(1)}-{rng.choice(('Q1', 'Q2', 'Q3', 'Q4', '2025', '2026'))}"
        entries = []
        for d in members:
            sub = rng.choice(("", "drafts/", "final/", "export/"))
            entries.append((f"{folder}/{sub}{d.name}", d.data))
        if with_csv:
            rows = self.prose(rng.randint(20_000, 300_000), flat=True).replace(b". ", b".\r\n")
            entries.append((f"{folder}/export.csv", b"id,text\r\n" + rows))
        return D.zip_container(entries)

    # pool ------------------------------------------------------------------------------

    def pool(self, n, log=None):
        """``n`` distinct documents; every PLANT_EVERY-th (at seeded positions) marked."""
        rng = self.rng
        kinds = []
        for kind, share in POOL_MIX:
            kinds += [kind] * max(1, round(n * share))
        kinds = kinds[:n]
        planted = set(rng.sample(range(len(kinds)), max(1, len(kinds) // PLANT_EVERY)))
        order = [i for i, k in enumerate(kinds) if k != "zip"] + \
            [i for i, k in enumerate(kinds) if k == "zip"]
        by_index = {}
        for i in order:
            kind = kinds[i]
            marking = rule = None
            if i in planted:
                choices = MARKINGS if kind in ("docx", "xlsx") else \
                    [m for m in MARKINGS if m[2]]
                marking, rule, _ = rng.choice(choices)
            stem = f"{self.words(1)}-{self.words(1)}-{rng.randrange(1, 99):02d}".replace(" ", "-")
            if kind == "docx":
                data = self.docx(_lognorm(rng, 60_000, 1.0, 6_000, 1_500_000), marking)
            elif kind == "xlsx":
                data = self.xlsx(_lognorm(rng, 3000, 1.1, 200, 40_000), marking)
            elif kind == "pdf":
                data = self.pdf(_lognorm(rng, 18, 1.0, 2, 300), marking)
            else:
                inner = [by_index[j] for j in rng.sample(sorted(by_index), rng.randint(2, 5))]
                # a zip's marking comes from what it holds (or its own marked member below)
                if marking:
                    extra_kind = rng.choice(("docx", "xlsx"))
                    mk = [m for m in MARKINGS if m[0] == marking][0]
                    extra = Doc(f"{stem}-notes.{extra_kind}", extra_kind,
                                self.docx(30_000, marking) if extra_kind == "docx"
                                else self.xlsx(500, marking), {mk[1]}, marking)
                    inner.append(extra)
                data = self.zip(inner, rng.random() < 0.3)
            rules = {rule} if rule else set()
            if kind == "zip":
                for d in inner:
                    rules |= d.rules
            doc = Doc(f"{stem}.{kind}", kind, data, rules, marking)
            by_index[i] = doc
            if log and len(by_index) % 40 == 0:
                log(f"  {len(by_index)} documents built")
        docs = [by_index[i] for i in range(len(kinds))]
        return docs


# --------------------------------------------------------------------------- the mix

class DocumentMix(Mix):
    """The egress mix's flows plus document upload connections (see the module docstring)."""

    def __init__(self, corpus, rng, keywords, out_path, target_bytes, concurrency, start_us,
                 pool_size=160, log=None):
        super().__init__(corpus, rng, keywords, out_path, target_bytes, concurrency, start_us)
        self.out.close()  # replaced by one that counts upload bytes
        self.out = CountingOut(out_path, start_us)
        self.ramp_s = 1.0
        self.flows_by_cat = {}
        self.bytes_by_cat = dict.fromkeys(SHARES, 0)
        self.planned_by_cat = dict.fromkeys(SHARES, 0.0)
        started = time.perf_counter()
        self.docs = DocumentFactory(corpus, rng).pool(pool_size, log)
        self.pool_seconds = time.perf_counter() - started
        self.doc_bytes = dict.fromkeys(DOC_TYPES, 0)
        self.doc_uploads = dict.fromkeys(DOC_TYPES, 0)
        self.doc_alerts = 0  # one per (flow, rule) for the documents' markings
        self.doc_alert_flows = 0

    def _doc_request(self, host, doc):
        rng = self.rng
        ua = rng.choice(USER_AGENTS[:3] + USER_AGENTS[6:8])
        base = [("Host", host), ("User-Agent", ua), ("Accept", "*/*"),
                ("Accept-Encoding", "gzip, deflate"), ("Connection", "keep-alive")]
        user = self._name()
        if rng.random() < 0.6:
            label = "doc-multipart"
            boundary = "----WebKitFormBoundary" + "".join(
                rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                for _ in range(16))
            head = (f'--{boundary}\r\nContent-Disposition: form-data; name="folder"\r\n\r\n'
                    f'/Shared/{self._word()}/{self._word()}\r\n'
                    f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                    f'filename="{doc.name}"\r\nContent-Type: {DOC_TYPES[doc.ext]}\r\n\r\n'
                    ).encode()
            body = [head, doc.data, f"\r\n--{boundary}--\r\n".encode()]
            path = rng.choice(("/upload", "/api/v2/files", "/files/upload", "/drive/upload"))
            headers = base + [("Origin", f"http://{host}"),
                              ("Content-Type", f"multipart/form-data; boundary={boundary}"),
                              ("Content-Length", self._plen(body))]
            method = "POST"
        else:
            label = "doc-put"
            body = [doc.data]
            path = rng.choice((f"/remote.php/dav/files/{user}/Documents/{doc.name}",
                               f"/{self._word()}-bucket/{user}/{doc.name}",
                               f"/webdav/{self._word()}/{doc.name}"))
            headers = base + [("Content-Type", DOC_TYPES[doc.ext]),
                              ("Content-Length", len(doc.data))]
            method = "PUT"
        req = [self._http_head(f"{method} {path} HTTP/1.1", headers)] + body
        rbody = (f'{{"status":"ok","id":"{rng.getrandbits(64):016x}",'
                 f'"name":"{doc.name}","size":{len(doc.data)}}}').encode()
        resp = [self._http_head("HTTP/1.1 201 Created", [
            ("Server", rng.choice(("nginx", "Apache", "AmazonS3"))),
            ("Date", "Tue, 24 Nov 2026 09:00:00 GMT"), ("Content-Type", "application/json"),
            ("Content-Length", len(rbody)), ("Connection", "keep-alive")]), rbody]
        return req, resp, label

    def flow_docs(self):
        rng = self.rng
        host = rng.choice(self.http_hosts[len(self.http_hosts) // 2:])
        f = self._tcp(self._client(), host, 80)
        txs, est, rules = [], 0, set()
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            doc = rng.choice(self.docs)
            req, resp, label = self._doc_request(host, doc)
            self.flows_by_kind[label] = self.flows_by_kind.get(label, 0) + 1
            self.doc_bytes[doc.ext] += len(doc.data)
            self.doc_uploads[doc.ext] += 1
            rules |= doc.rules
            txs.append((req, resp))
            est += wire_bytes(self._plen(req)) + wire_bytes(self._plen(resp))
        self.doc_alerts += len(rules)
        self.doc_alert_flows += bool(rules)
        return f, est, self._run_http(f, txs, self._rtt()), host

    def run(self, log=None):
        """Writes the capture (egress_mix.Mix.run's scheduling, with SHARES); returns stats."""
        builders = {"docs": self.flow_docs, "http": self.flow_http, "tls": self.flow_tls,
                    "smtp": self.flow_smtp, "other": self.flow_other}
        rng, out, planned = self.rng, self.out, self.planned_by_cat
        heap, seq = [], 0
        flows = tcp_flows = open_now = max_open = 0
        finished_actual, finished_planned, active_planned = 0, 0.0, 0.0
        done = False
        self.bytes_by_cat["dns"] = 0

        def start(at):
            nonlocal seq, active_planned, flows, tcp_flows
            cat = min(SHARES, key=lambda c: planned[c] / SHARES[c])
            f, est, gen, host = builders[cat]()
            wire = est + HANDSHAKE_AND_CLOSE
            planned[cat] += wire
            active_planned += wire
            flows += 1
            tcp_flows += 1
            self.flows_by_cat[cat] = self.flows_by_cat.get(cat, 0) + 1
            if host is not None and rng.random() < 0.35:
                df, dns_rtt, dgen = self.flow_dns(host)
                heapq.heappush(heap, (at, seq, dgen, df, 0.0, "dns"))
                seq += 1
                flows += 1
                at += dns_rtt + int(rng.uniform(0.2, 2) * MS)
            heapq.heappush(heap, (at, seq, gen, f, wire, cat))
            seq += 1

        t0 = out.now_ns
        for _ in range(self.concurrency):
            start(t0 + int(rng.uniform(0, self.ramp_s * 1000) * MS))
        started = set()
        next_log = 50_000_000
        while heap:
            at, s, gen, f, wire, cat = heapq.heappop(heap)
            if at > out.now_ns:
                out.now_ns = at
            if s not in started:
                started.add(s)
                open_now += 1
                max_open = max(max_open, open_now)
            try:
                heapq.heappush(heap, (out.now_ns + next(gen), s, gen, f, wire, cat))
                continue
            except StopIteration:
                pass
            started.discard(s)
            open_now -= 1
            self.bytes_by_cat[cat] += f.nbytes
            if log and out.bytes >= next_log:
                log(f"  {out.bytes / 1e6:.0f} MB, {out.packets:,} packets, {open_now:,} open")
                next_log += 50_000_000
            if cat == "dns":
                continue
            finished_actual += f.nbytes
            finished_planned += wire
            active_planned -= wire
            if not done:
                ratio = finished_actual / finished_planned if finished_planned else 1.0
                if finished_actual + ratio * active_planned >= self.target:
                    done = True
                else:
                    start(out.now_ns)
        out.close()
        docs = sum(self.doc_bytes.values())
        up = out.up_payload
        base_alerts = self._expected_alerts()["rules/default.yaml"]
        return {
            "packets": out.packets,
            "bytes": out.bytes,
            "mean_frame_bytes": round(out.bytes / out.packets, 1),
            "flows": flows,
            "tcp_flows": tcp_flows,
            "concurrent_flows_max": max_open,
            "duration_s": round((out.now_ns - t0) / 1e9, 3),
            "bytes_share": {c: round(b / out.bytes, 4) for c, b in self.bytes_by_cat.items()},
            "upload_payload_bytes": up,
            "document_upload_bytes": docs,
            "other_upload_bytes": up - docs,
            "document_share_of_upload_bytes": round(docs / up, 4),
            "document_bytes_by_type": self.doc_bytes,
            "document_uploads_by_type": self.doc_uploads,
            "document_pool": {"documents": len(self.docs),
                              "bytes": sum(len(d.data) for d in self.docs),
                              "marked": sum(1 for d in self.docs if d.rules),
                              "build_seconds": round(self.pool_seconds, 1)},
            "tcp_flows_by_protocol": self.flows_by_cat,
            "transactions_by_kind": dict(sorted(self.flows_by_kind.items())),
            "planted": dict(sorted(self.inject_counts.items())),
            "document_alert_flows": self.doc_alert_flows,
            "expected_alerts_at_least": {
                "rules/default.yaml": base_alerts + self.doc_alerts,
                "rules/default.yaml, extraction off": base_alerts},
        }


def print_shares(stats, file=sys.stdout):
    """The byte shares the issue asks about: documents against the other upload bytes."""
    up, docs = stats["upload_payload_bytes"], stats["document_upload_bytes"]
    print(f"  upload bytes (all payload inside hosts send): {up:,}; documents {docs:,} "
          f"({docs / up:.1%}), other {up - docs:,} ({(up - docs) / up:.1%})", file=file)
    print("  documents by type: " + ", ".join(
        f"{k} {v / up:.1%} ({stats['document_uploads_by_type'][k]} uploads)"
        for k, v in stats["document_bytes_by_type"].items()), file=file)
    print("  frame bytes by flow kind: " + ", ".join(
        f"{k} {v:.1%}" for k, v in stats["bytes_share"].items()), file=file)
    p = stats["document_pool"]
    print(f"  document pool: {p['documents']} files, {p['bytes'] / 1e6:.1f} MB, {p['marked']} "
          f"marked; flows whose documents must alert: {stats['document_alert_flows']}; "
          f"expected alerts (default rules): "
          + ", ".join(f"{k} {v}" for k, v in stats["expected_alerts_at_least"].items()),
          file=file)
    file.flush()


def check(docs, log=print):
    """unzip -t a couple of zips and docx/xlsx, pdftotext a PDF (a marked one if any)."""
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        picks = []
        for ext in ("zip", "docx", "xlsx"):
            of_kind = [d for d in docs if d.ext == ext]
            picks += of_kind[:2] + [d for d in of_kind if d.marking][:1]
        for d in picks:
            path = os.path.join(tmp, d.name)
            with open(path, "wb") as f:
                f.write(d.data)
            if shutil.which("unzip"):
                r = subprocess.run(["unzip", "-tq", path], capture_output=True, text=True)
                good = r.returncode == 0
                log(f"  unzip -t {d.name} ({len(d.data):,} B): "
                    f"{'ok' if good else 'FAILED ' + r.stdout + r.stderr}")
                ok &= good
            import zipfile
            with zipfile.ZipFile(io.BytesIO(d.data)) as z:
                bad = z.testzip()
                if d.marking and d.ext != "zip":
                    text = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
                    found = d.marking.encode() in text
                    log(f"  {d.name}: marking {d.marking!r} in its XML: {found}")
                    ok &= found
            ok &= bad is None
        pdfs = [d for d in docs if d.ext == "pdf"]
        for d in pdfs[:1] + [d for d in pdfs if d.marking][:1]:
            path = os.path.join(tmp, d.name)
            with open(path, "wb") as f:
                f.write(d.data)
            if not shutil.which("pdftotext"):
                log("  pdftotext not installed: PDF not checked")
                break
            r = subprocess.run(["pdftotext", path, "-"], capture_output=True)
            text = r.stdout.decode("utf-8", "replace")
            good = r.returncode == 0 and len(text) > 1000 and not r.stderr.strip()
            if d.marking:
                good &= d.marking in text
            log(f"  pdftotext {d.name} ({len(d.data):,} B): {len(text):,} chars of text"
                f"{', marking ' + repr(d.marking) + ' found' if d.marking else ''}: "
                f"{'ok' if good else 'FAILED ' + r.stderr.decode()[:300]}")
            ok &= good
    return ok


def build(path, seed, target_bytes, concurrency=1000, pool_size=160, start_us=None,
          corpus=None, keywords=None, log=None, check_docs=False, show=True):
    """Writes the capture to ``path``; returns its statistics (the manifest's "stats")."""
    import corpus as corpus_mod
    import rulesets
    if corpus is None:
        corpus = corpus_mod.Corpus(seed)
    if keywords is None:
        keywords = rulesets.keywords(seed, max(rulesets.SIZES), corpus_mod.VOCABULARY)
    if start_us is None:
        start_us = 1795510800 * 1_000_000  # 2026-11-24T09:00:00Z, as make_workloads
    rng = random.Random(f"egressmon-documents-{seed}")
    mix = DocumentMix(corpus, rng, keywords, path, target_bytes, concurrency, start_us,
                      pool_size, log)
    if check_docs and not check(mix.docs, log=log or print):
        mix.out.close()
        raise SystemExit("document check failed")
    stats = mix.run(log=log)
    if show:
        print_shares(stats)
    return stats


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--bytes", type=int, default=250_000_000,
                    help="frame bytes of the capture (default 250e6)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--concurrency", type=int, default=1000)
    ap.add_argument("--pool", type=int, default=160, help="distinct documents (default 160)")
    ap.add_argument("--check", action="store_true",
                    help="unzip -t some zips/docx/xlsx and pdftotext PDFs before writing")
    args = ap.parse_args()
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    started = time.perf_counter()
    stats = build(args.out, args.seed, args.bytes, args.concurrency, args.pool, log=log,
                  check_docs=args.check)
    print(f"{args.out}: {stats['bytes']:,} frame bytes, {stats['packets']:,} packets, "
          f"{stats['flows']:,} flows in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
