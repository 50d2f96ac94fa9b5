#!/usr/bin/env python3
"""PDF text extraction: egressmon's streaming extractor against poppler-cpp, engine against
engine, in one process on the same files (bench/pdf_text_bench.cpp).

The files are reports as office suites export them: N pages of FlateDecode content streams
showing text with TJ kerning in a WinAnsi Type1 font and a line of Chinese in a Type0 font whose
glyph ids only its ToUnicode CMap maps (written after the pages, as exporters do), a JPEG-sized
image every few pages, and "TOP SECRET" on the last page. pdftotext must find the keyword in
each before the figures count.

    bench/pdf_text_bench.py [--build build] [--pages 10,100,400]
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "gen"))
from documents import PdfObject, pdf_file, to_unicode_cmap  # noqa: E402

WORDS = ("quarterly revenue forecast region margin supplier contract renewal budget "
         "headcount pipeline customer retention schedule milestone").split()
CJK = {i + 1: ch for i, ch in enumerate("季度营收预测区域利润供应商合同续签预算人员客户")}


def page_content(rng: random.Random, last: bool) -> bytes:
    lines = []
    y = 760
    for _ in range(40):
        words = [rng.choice(WORDS) for _ in range(12)]
        cut = rng.randrange(1, len(words[0]))
        head, tail = " ".join(words)[:cut], " ".join(words)[cut:]
        lines.append(b"BT /F1 10 Tf 72 %d Td [(%s) -%d (%s)] TJ ET" %
                     (y, head.encode(), rng.randrange(10, 90), tail.encode()))
        y -= 16
    glyphs = "".join("%04X" % rng.choice(list(CJK)) for _ in range(20))
    lines.append(b"BT /F2 10 Tf 72 90 Td <%s> Tj ET" % glyphs.encode())
    if last:
        lines.append(b"BT /F1 14 Tf 72 60 Td (Classification: TOP SECRET) Tj ET")
    return b"\n".join(lines) + b"\n"


def report(pages: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    first_page = 3
    fonts = first_page + 2 * pages  # F1, F2 (Type0), its CIDFont, its ToUnicode CMap
    image = fonts + 4
    kids = " ".join("%d 0 R" % (first_page + 2 * i) for i in range(pages))
    objs = [PdfObject(b"<< /Type /Catalog /Pages 2 0 R >>"),
            PdfObject(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids.encode(), pages))]
    for i in range(pages):
        xobject = b" /XObject << /Im1 %d 0 R >>" % image if i % 4 == 0 else b""
        objs.append(PdfObject(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << "
            b"/F1 %d 0 R /F2 %d 0 R >>%s >> /Contents %d 0 R >>" %
            (fonts, fonts + 1, xobject, first_page + 2 * i + 1)))
        objs.append(PdfObject(b"<< /Filter /FlateDecode >>",
                              zlib.compress(page_content(rng, i == pages - 1), 6)))
    objs.append(PdfObject(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                          b"/Encoding /WinAnsiEncoding >>"))
    objs.append(PdfObject(b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding "
                          b"/Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" %
                          (fonts + 2, fonts + 3)))
    objs.append(PdfObject(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun "
                          b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) "
                          b"/Supplement 0 >> /DW 1000 /CIDToGIDMap /Identity >>"))
    objs.append(PdfObject(b"<< /Filter /FlateDecode >>", zlib.compress(to_unicode_cmap(CJK))))
    jpeg = bytes(rng.getrandbits(8) for _ in range(60000))
    objs.append(PdfObject(b"<< /Type /XObject /Subtype /Image /Width 200 /Height 200 "
                          b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode >>",
                          jpeg))
    return pdf_file(objs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--pages", default="10,100,400")
    args = ap.parse_args()
    binary = os.path.join(args.build, "bench", "egressmon_pdf_text_bench")
    if not os.path.exists(binary):
        print(f"pdf_text_bench: {binary} not built (needs libpoppler-cpp-dev)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for pages in (int(p) for p in args.pages.split(",")):
            path = os.path.join(tmp, f"report-{pages}p.pdf")
            with open(path, "wb") as f:
                f.write(report(pages))
            text = subprocess.run(["pdftotext", path, "-"], capture_output=True,
                                  check=True).stdout.decode()
            if "TOP SECRET" not in text:
                print(f"pdf_text_bench: pdftotext does not find the keyword in {path}",
                      file=sys.stderr)
                return 1
            files.append(path)
        out = subprocess.run([binary, "TOP SECRET", *files], capture_output=True, text=True,
                             check=True).stdout
    for line in out.splitlines():
        r = json.loads(line)
        print(f"{os.path.basename(r['file'])}: {r['bytes']} bytes; egressmon "
              f"{r['egressmon_mb_s']} MB/s, poppler-cpp {r['poppler_mb_s']} MB/s "
              f"(x{r['ratio']}); text {r['egressmon_text_bytes']} / {r['poppler_text_bytes']} "
              f"bytes; keyword found {r['egressmon_found']} / {r['poppler_found']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
