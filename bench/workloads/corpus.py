"""Seeded content pools the workloads slice their payloads from.

Keyword-matching speed depends on what the bytes look like, so text is word-like English: words of
a fixed vocabulary drawn with Zipf-like frequencies, in sentences and paragraphs. Generating
hundreds of megabytes word by word would be far too slow in Python, so a few megabytes of each
kind are made once per seed and flows take slices of them at random offsets:

- ``text``: running prose (sentences separated by spaces, paragraphs by newlines);
- ``flat``: ``text`` without its newlines (JSON strings);
- ``lines``: the same kind of prose wrapped at 76 columns with CRLF (mail bodies, logs);
- ``rand``: random bytes (ciphertext, images, archives);
- ``b64text`` / ``b64rand``: base64 of text / random bytes in 76-column CRLF lines, so that any
  run of whole lines is itself valid base64 of 57 source bytes per line.

The vocabulary deliberately leaves out marking words (confidential, secret, restricted, ...) so
the generated keyword rules never match prose by chance; alerts come only from what the workload
generator puts in on purpose.
"""

import base64
import random

# About 700 common English words, roughly by frequency (most frequent first).
VOCABULARY = """
the of and to a in is that for it as was with be by on not he this are or his from at which but
have an they you were her she there one all we their has been would more if will when who so no
out up into do than them can only other new some could time these two may then first any like now
my over such our man me even most made after also did many before must through back years where
much your way well down should because each just those people how too little state good very make
world still own see men work long get here between both life being under never day same another
know while last might us great old year off come since against go came right used take three
states himself few house use during without again place american around however home small found
thought went say part once general high upon school every does got united left number course war
until always away something fact though water less public put think almost hand enough far took
head yet government system better set told nothing night end why called didn't eyes find going
look asked later knew point next program city business give group toward young days let room
president side social given present several order national possible rather second face per among
form important often things looking early white case john become large big need four within felt
along children saw best church ever least power development light thing seemed family interest
want members mind country area others although turned done open god service certain kind problem
began different door thus help sense means whole matter perhaps itself york times law human line
above name example action company hands local show whether five history gave today either act
feet across taken past quite anything seen having death week experience body word half really
field am car words already themselves information tell together college shall money period held
keep sure probably free seems political real cannot behind miss question air office making brought
whose special heard major problems ago became federal moment study available known result street
economic boy position reason change south board individual job areas society west close turn love
community true court force full seem wife future age wanted department voice center woman control
common policy necessary following front sometimes six girl clear further land run students provide
feel party able mother music education university child effect level stood military short town
morning total outside rate figure class art century washington north usually leave therefore plan
top evidence million sound black strong hard various says believe type value play surface soon mean
near lines table peace modern tax road red book personal process situation minutes increase schools
idea english alone women gone nor living months america started longer dark understand record paper
coming cut private child saying return students market plans report meeting budget customer team
project review draft summary schedule update quarter revenue sales product launch release version
design support contract invoice payment account partner vendor supply order shipment delivery price
cost estimate forecast growth target goal strategy analysis data results metrics performance
dashboard server network cloud storage backup database service platform application feature issue
ticket request approval manager director engineer analyst staff employee hiring training benefits
policy travel expense reimbursement office building floor desk laptop phone email calendar agenda
minutes notes action items follow deadline milestone timeline scope resources risk mitigation
compliance audit finance legal marketing operations research quality testing deployment release
customers users regional global europe asia pacific americas january february march april june
july august september october november december monday tuesday wednesday thursday friday weekend
morning afternoon evening thanks regards please attached see below thank best hello team everyone
discuss discussed agree agreed propose proposed suggest suggested confirm confirmed schedule
scheduled review reviewed update updated share shared send sent receive received prepare prepared
complete completed start started finish finished check checked approve approved submit submitted
include included provide provided require required expect expected continue continued improve
improved reduce reduced increase increased deliver delivered support supported manage managed
create created build built test tested fix fixed plan planned track tracked measure measured
simple clear quick slow fast early late large small main key final initial current previous next
annual monthly weekly daily regular standard custom basic advanced critical minor major stable
green blue yellow orange purple brown gray silver golden bright quiet calm warm cold fresh clean
river mountain valley forest garden bridge harbor island village coast desert meadow lake ocean
stone wood glass metal paper cotton wool leather plastic steel iron copper silver
coffee tea lunch dinner breakfast kitchen table chair window wall roof street avenue station train
airport flight hotel ticket taxi bus bicycle walk drive ride visit trip journey holiday vacation
""".split()


def _zipf_cum_weights(n):
    total, cum = 0.0, []
    for rank in range(n):
        total += 1.0 / (rank + 2.7)
        cum.append(total)
    return cum


class Corpus:
    """The pools for one seed; every pool is an immutable ``bytes`` that flows slice."""

    def __init__(self, seed, text_bytes=8 << 20, rand_bytes=8 << 20):
        rng = random.Random(f"egressmon-corpus-{seed}")
        vocab = list(dict.fromkeys(w for w in VOCABULARY if "'" not in w))
        self.vocab = vocab
        self.text = self._prose(rng, vocab, text_bytes)
        self.lines = self._wrap(self.text, 76)
        self.flat = self.text.replace(b"\n", b" ")  # one line: JSON strings, form fields
        self.rand = rng.randbytes(rand_bytes)
        raw_text = self.text[:len(self.text) // 57 * 57]
        self.b64text = base64.encodebytes(raw_text).replace(b"\n", b"\r\n")
        self.b64rand = base64.encodebytes(self.rand[:len(self.rand) // 57 * 57]).replace(
            b"\n", b"\r\n")

    @staticmethod
    def _prose(rng, vocab, size):
        cum = _zipf_cum_weights(len(vocab))
        out, n = [], 0
        choices, randint, rnd = rng.choices, rng.randint, rng.random
        while n < size:
            paragraph = []
            for _ in range(randint(2, 7)):
                words = choices(vocab, cum_weights=cum, k=randint(5, 22))
                if rnd() < 0.3:
                    words.insert(randint(1, len(words) - 1), f"{randint(2, 480)}")
                if rnd() < 0.35:
                    i = randint(1, len(words) - 1)
                    words[i - 1] += ","
                words[0] = words[0].capitalize()
                paragraph.append(" ".join(words) + ("?" if rnd() < 0.05 else "."))
            text = " ".join(paragraph) + "\n"
            out.append(text)
            n += len(text)
        return "".join(out).encode("ascii")[:size]

    @staticmethod
    def _wrap(text, width):
        """Greedy wrap into CRLF lines of at most ``width`` characters, paragraphs kept."""
        out = []
        for paragraph in text.split(b"\n"):
            line, n = [], 0
            for word in paragraph.split(b" "):
                if n + len(word) + (1 if line else 0) > width and line:
                    out.append(b" ".join(line))
                    line, n = [], 0
                line.append(word)
                n += len(word) + (1 if len(line) > 1 else 0)
            out.append(b" ".join(line))
        return b"\r\n".join(out) + b"\r\n"

    # Slices: each returns a list of (buffer, start, end) pieces totalling about ``n`` bytes.

    def text_slice(self, rng, n, flat=False):
        """Exactly ``n`` bytes of prose starting at a word (``flat``: without newlines)."""
        return self._slices(rng, self.flat if flat else self.text, n, b" ")

    def line_slice(self, rng, n):
        """Whole CRLF lines of wrapped prose, at least ``n`` bytes (one line at minimum)."""
        return self._slices(rng, self.lines, n, b"\n", whole_lines=True)

    def rand_slice(self, rng, n):
        return self._slices(rng, self.rand, n, None)

    def b64_slice(self, rng, raw_n, text):
        """Base64 lines encoding about ``raw_n`` source bytes (whole 57-byte lines)."""
        pool = self.b64text if text else self.b64rand
        lines = max(1, -(-raw_n // 57))
        return self._line_aligned(rng, pool, lines)

    @staticmethod
    def _line_aligned(rng, pool, lines):
        total_lines = len(pool) // 78
        out = []
        while lines > 0:
            take = min(lines, total_lines - 1)
            start = rng.randrange(0, total_lines - take) * 78
            out.append((pool, start, start + take * 78))
            lines -= take
        return out

    @staticmethod
    def _slices(rng, pool, n, sep, whole_lines=False):
        out = []
        size = len(pool)
        while n > 0:
            take = min(n, size // 2)
            start = rng.randrange(0, size - take - 200)
            if sep is not None:
                start = pool.find(sep, start, start + 200) + 1 or start
            end = start + take
            if whole_lines:
                end = pool.find(b"\n", end - 1) + 1 if end < size else size
                if end <= 0:
                    end = size
            out.append((pool, start, end))
            n -= end - start
        return out


def materialize(pieces):
    """The bytes of a piece list (for content that must be transformed, e.g. compressed)."""
    return b"".join(bytes(p) if isinstance(p, (bytes, bytearray)) else p[0][p[1]:p[2]]
                    for p in pieces)
