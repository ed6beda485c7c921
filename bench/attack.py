"""An attack on `newslink`, end to end, printing the table issue 21 asks for.

Self-contained (no ../shared): a private data directory, the starter KB, and
synthetic inputs. What it does, each through the real command in child processes:

1. **Bad input**: ~45 kinds of broken, odd and hostile files in one folder, each
   beside good records with known ids, indexed in one `newslink index --errors`
   job: how many good records are kept of all, how many errors were reported,
   whether any traceback was printed, and whether the dead letter re-feeds.
2. **Crashes**: a synthetic corpus indexed while `kill -9` hits the job three
   times at random moments (mid-batch, mid-commit), then rerun to the end;
   `reindex` and `kb build` killed half-way: documents after all of it, and
   whether the index and the KB were left intact.
3. **A full disk** (RLIMIT_FSIZE) during `index`: the exit, the one line, and
   whether what it says was kept is what the index holds.
4. **HTTP load**: `newslink serve` answers a stream of valid and hostile requests
   from several threads during all of the above: how many were 5xx.

    .venv/bin/python bench/attack.py [--articles 3000] [--threads 4]
"""
from __future__ import annotations

import argparse
import codecs
import gzip
import json
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NEWSLINK = [sys.executable, "-m", "newslink.search.cli"]
WORDS = ("talks army border oil sanctions vote court ruling summit treaty missile drone minister "
         "ceasefire pipeline embassy protest parliament budget harbour airport").split()
NAMES = ["Iran", "Israel", "Joe Biden", "Netanyahu", "Germany", "Ukraine", "Russia", "NATO", "Tehran", "Gaza"]


def good(kind: str, n: int, rng: random.Random) -> dict:
    return {"id": f"good-{kind}-{n}", "title": f"{rng.choice(NAMES)} {rng.choice(WORDS)} {n}",
            "text": " ".join(rng.choice(WORDS + NAMES) for _ in range(40)) + ".", "published": "2024-03-01"}


def jl(records: list) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def make_inputs(folder: Path, rng: random.Random) -> tuple[list[str], set[str]]:
    """Files of every bad kind, each with good records beside the bad ones; the kinds and the good ids."""
    expected: set[str] = set()
    kinds: list[str] = []

    def goods(kind: str, n: int = 2) -> list[dict]:
        recs = [good(kind, i, rng) for i in range(n)]
        expected.update(r["id"] for r in recs)
        return recs

    def put(name: str, data: bytes | str, kind: str | None = None) -> None:
        kinds.append(kind or name)
        path = folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

    bad_lines = {
        "malformed-json": '{"id": "x", "title": ',
        "not-an-object": "[1, 2, 3]",
        "wrong-types": json.dumps({"id": "w", "title": {"en": "x"}, "text": ["a"]}),
        "no-title-no-text": json.dumps({"id": "e", "source": "DW"}),
        "id-too-long": json.dumps({"id": "x" * 600, "title": "t", "text": "t"}),
        "nan": '{"title": "x", "text": NaN}',
        "deep-nesting": "[" * 100_000,
        "5000-digits": '{"id": "big", "title": ' + "7" * 5000 + "}",
        "blank-only": "   ",
    }
    for kind, line in bad_lines.items():
        put(f"{kind}.jsonl", jl([*goods(kind), line, *goods(kind + "-after", 1)]), kind)
    odd_goods = {  # records that must be kept, with a warning at most
        "lone-surrogate": {"title": "Iran \ud800 talks"},
        "id-with-newline": {"id": "wire\n2024/07\r\n15"},
        "huge-text": {"text": "Iran talks. " * 200_000},
        "control-chars": {"title": "Iran\x00\x07 talks"},
        "year-1": {"published": "0001-01-01"}, "year-1500": {"published": "1500-06-01"},
        "year-9999": {"published": "9999-12-31"}, "ts-1e10": {"published": 1e10},
        "ts-ms": {"published": 1_700_000_000_000}, "offset-past-9999": {"published": "9999-12-31T23:00:00-05:00"},
        "bad-date": {"published": "yesterday-ish"}, "date-object": {"published": {"y": 2024}},
    }
    for kind, change in odd_goods.items():
        rec = {**good(kind, 0, rng), **change}
        expected.add(_id_after_reading(rec))
        put(f"{kind}.jsonl", jl([rec]), kind)
    put("latin1.jsonl", jl(goods("latin1")).replace("talks", "caf\u00e9").encode("latin-1"), "latin-1")
    put("bom-crlf.jsonl", codecs.BOM_UTF8 + jl(goods("bom-crlf")).replace("\n", "\r\n").encode(), "utf-8 BOM + CRLF")
    put("utf16.jsonl", codecs.BOM_UTF16_LE + jl(goods("utf16")).encode("utf-16-le"), "utf-16")
    surrogate = json.dumps({**good("utf16-surrogate", 9, rng), "title": "x \ud800 y"}, ensure_ascii=False)
    expected.add("good-utf16-surrogate-9")
    put("utf16-surrogate.jsonl", codecs.BOM_UTF16_LE + (surrogate + "\n" + jl(goods("utf16-surrogate"))).encode("utf-16-le", "surrogatepass"), "utf-16 + lone surrogate")
    put("good.jsonl.gz", gzip.compress(jl(goods("gzip")).encode()), "gzip")
    put("cut.jsonl.gz", gzip.compress(jl(goods("gzip-cut", 40)).encode())[:-30], "gzip cut short")
    expected.difference_update({f"good-gzip-cut-{i}" for i in range(30, 40)})  # past the cut: cannot be read
    put("binary-line.jsonl", jl(goods("binary-line")).encode() + os.urandom(200).replace(b"\n", b"\x00") + b"\n", "binary line")
    put("random.jsonl", os.urandom(50_000), "random bytes .jsonl")
    put("random.csv", os.urandom(50_000), "random bytes .csv")
    put("random.txt", os.urandom(50_000), "random bytes .txt")
    put("empty.jsonl", b"", "empty .jsonl")
    put("empty.txt", b"", "empty .txt")
    csv_goods = goods("csv", 3)
    rows = "".join(f'{r["id"]},{r["title"]},{r["text"]}\n' for r in csv_goods)
    put("ok.csv", "id,title,text\n" + rows, "csv")
    put("caps-header.csv", "ID,Title,Text\n" + "".join(f'{r["id"]},{r["title"]},{r["text"]}\n' for r in goods("csv-caps")), "csv header in capitals")
    put("headerless.csv", "".join(f'x{i},Iran talks {i},text {i}\n' for i in range(20)), "csv without header")
    quote_goods = goods("csv-quote", 3)
    put("quote.csv", "id,title,text\n" + 'q0,"broken title,text\n' + "".join(f'{r["id"]},{r["title"]},{r["text"]}\n' for r in quote_goods), "csv unterminated quote")
    put("fields.csv", "id,title,text\nshort,only two\n" + "".join(f'{r["id"]},{r["title"]},{r["text"]},extra\n' for r in [good("x", 0, rng)]) + "".join(f'{r["id"]},{r["title"]},{r["text"]}\n' for r in goods("csv-fields")), "csv wrong field counts")
    put("tabs.tsv", "id\ttitle\ttext\n" + "".join(f'{r["id"]}\t{r["title"]}\t{r["text"]}\n' for r in goods("tsv")), "tsv")
    put("utf16.csv", codecs.BOM_UTF16_LE + ("id,title,text\n" + "".join(f'{r["id"]},{r["title"]},{r["text"]}\n' for r in goods("csv-utf16"))).encode("utf-16-le"), "csv utf-16")
    for name, data, kind in [
        ("plain.txt", "Iran talks resume\nDiplomats met in Geneva.\n", "txt"),
        ("latin1.txt", "Caf\u00e9 talks\nbody \u00e9\n".encode("latin-1"), "txt latin-1"),
        ("utf16.txt", codecs.BOM_UTF16_LE + "Iran talks\r\nBody text.\r\n".encode("utf-16-le"), "txt utf-16"),
        ("one-line.txt", ("Iran and Israel held talks. " * 700_000), "txt 19 MB on one line"),
    ]:
        put(name, data, kind)
        expected.add(f"txt:{name}")  # a .txt has a content id: counted by title below
    (folder / "unsupported.docx").write_bytes(b"PK\x03\x04")
    kinds.append("unsupported extension (passed over)")
    (folder / ".hidden.jsonl").write_text(jl([good("hidden", 0, rng)]))
    kinds.append("hidden file (passed over)")
    os.mkfifo(folder / "fifo.jsonl")
    kinds.append("FIFO named .jsonl")
    (folder / "loop").symlink_to(folder)
    kinds.append("symlink loop")
    (folder / "dangling.jsonl").symlink_to(folder / "nowhere.jsonl")
    kinds.append("dangling symlink")
    return kinds, expected


def _id_after_reading(record: dict) -> str:
    return re.sub("[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", record["id"]).strip()


def newslink(home: Path, *args: str, limit: int | None = None, **kwargs) -> subprocess.CompletedProcess:
    def cap() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([*NEWSLINK, "--home", str(home), *args], capture_output=True, text=True, preexec_fn=cap if limit else None, **kwargs)


def start(home: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([*NEWSLINK, "--home", str(home), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def status(home: Path) -> dict:
    return json.loads(newslink(home, "status", "--json").stdout)


class Load:
    """Threads sending valid and hostile requests to the API until stopped."""

    PATHS = [
        "/search?q=iran", "/search?q=iran&country=Q794&facets=person,country", "/search?since=2017&until=2024-12",
        "/search?until=9999-12-31", "/search?since=1500-01-01", "/search?since=2262-05-01", "/search?q=%22air%20defense%22%20-football",
        "/search?page=999999&size=100", "/search?size=0&facets=weapon&facet_size=100", "/search?person=Nobody%20Atall",
        "/search?q=" + "a" * 1200, "/search?q=title:Trump", "/search?facets=nonsense", "/search?sort=sideways",
        "/search?since=02/03/2017", "/search?q=%00%ff", "/entities/Q794", "/entities/Putin", "/entities?prefix=ne&type=person",
        "/articles/good-ok-0", "/articles/wire%202024/07%2015", "/articles/..%2F..%2Fetc", "/health", "/openapi.json", "/nope",
    ]

    def __init__(self, base: str, threads: int) -> None:
        self.base = base
        self.codes: Counter[int] = Counter()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(threads)]

    def run(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            try:
                with urllib.request.urlopen(self.base + rng.choice(self.PATHS), timeout=30) as resp:
                    self.codes[resp.status] += 1
            except urllib.error.HTTPError as err:
                self.codes[err.code] += 1
            except (urllib.error.URLError, OSError):
                self.codes[0] += 1  # no answer at all
            time.sleep(0.005)

    def __enter__(self) -> "Load":
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=21)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="newslink-attack-"))
    home = work / "home"
    started = time.time()
    assert newslink(home, "kb", "build").returncode == 0

    port = free_port()
    server_log = (work / "server.log").open("w")
    server = subprocess.Popen([*NEWSLINK, "--home", str(home), "serve", "--port", str(port), "--log-level", "error"], stdout=subprocess.DEVNULL, stderr=server_log)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    try:
        rows, tracebacks, kept, expected, docs, load = attack(args, rng, work, home, port)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    codes = load.codes
    rows.append(("API requests during the jobs", f"{sum(codes.values()):,}: " + ", ".join(f"{c}: {n:,}" for c, n in sorted(codes.items()))))
    rows.append(("5xx answers", f"{sum(n for c, n in codes.items() if c >= 500):,}"))
    server_log.close()
    rows.append(("tracebacks in the API server's log", str((work / "server.log").read_text().count("Traceback"))))
    rows.append(("tracebacks printed by the commands", str(tracebacks)))
    width = max(len(k) for k, _ in rows)
    print(f"{'attack':<{width}}  result")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print(f"KEY kept={kept}/{len(expected)} docs_after_crashes={docs}/{args.articles} http_5xx={sum(n for c, n in codes.items() if c >= 500)} tracebacks={tracebacks} seconds={time.time() - started:.0f} work={work}")


def attack(args: argparse.Namespace, rng: random.Random, work: Path, home: Path, port: int):
    rows: list[tuple[str, str]] = []
    tracebacks = 0
    with Load(f"http://127.0.0.1:{port}", args.threads) as load:
        # 1. bad input
        inputs = work / "inputs"
        inputs.mkdir()
        kinds, expected = make_inputs(inputs, rng)
        dead = work / "dead.jsonl"
        job = newslink(home, "index", str(inputs), "--errors", str(dead), "--json", "--no-progress", timeout=900)
        tracebacks += job.stderr.count("Traceback")
        summary = json.loads(job.stdout) if job.stdout.strip() else {}
        from newslink.search.engines.embedded import EmbeddedEngine  # noqa: PLC0415 - after the jobs wrote

        engine = EmbeddedEngine(home)
        titles = {"plain.txt": "Iran talks resume", "latin1.txt": "Caf\u00e9 talks", "utf16.txt": "Iran talks", "one-line.txt": "Iran and Israel held talks."}
        kept = 0
        for want in expected:
            if want.startswith("txt:"):
                from newslink.search.query import SearchQuery  # noqa: PLC0415

                hits = engine.search(SearchQuery(text=f'"{titles[want[4:]]}"', size=50)).hits
                kept += any(h.title.startswith(titles[want[4:]]) for h in hits)
            else:
                kept += engine.get(want) is not None
        engine.close()
        entries = [json.loads(line) for line in dead.read_text().splitlines() if line]
        errors = job.stderr.count(": error:")
        rows += [
            ("kinds of bad input tried", f"{len(kinds)} (in {len(list(inputs.iterdir()))} files and links)"),
            ("good records kept", f"{kept} of {len(expected)}"),
            ("errors reported / dead-letter lines", f"{errors} / {len(entries)} (exit {job.returncode}, indexed {summary.get('indexed')}, skipped {summary.get('skipped')})"),
        ]
        refeed = newslink(home, "index", str(dead), "--errors", str(work / "still.jsonl"), "--json", "--no-progress", timeout=600)
        tracebacks += refeed.stderr.count("Traceback")
        still = [json.loads(line) for line in (work / "still.jsonl").read_text().splitlines() if line]
        rows.append(("dead letter re-fed unchanged", f"{len(still)} of {len(entries)} still rejected, {sum(1 for e in still if e.get('origin'))} with their origin"))
        same = newslink(home, "index", str(dead), "--errors", str(dead))
        rows.append(("--errors naming an input", f"exit {same.returncode}, dead letter {'intact' if [json.loads(line) for line in dead.read_text().splitlines() if line] == entries else 'CHANGED'}"))

        # 2. crashes
        corpus = work / "corpus.jsonl"
        corpus.write_text(jl([good("c", i, rng) for i in range(args.articles)]))
        base = status(home)["index"]["documents"]
        after_kills = []
        for _kill in range(3):
            proc = start(home, "index", str(corpus), "--commit-every", "200", "--no-progress")
            time.sleep(rng.uniform(8, 16))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            after_kills.append(status(home)["index"]["documents"] - base)
        final = newslink(home, "index", str(corpus), "--commit-every", "500", "--no-progress", timeout=1800)
        tracebacks += final.stderr.count("Traceback")
        docs = status(home)["index"]["documents"] - base
        rows.append(("documents after 3 kill -9 of index, then a rerun", f"{docs} of {args.articles} (after each kill: {', '.join(map(str, after_kills))}; rerun exit {final.returncode})"))
        before = status(home)
        proc = start(home, "reindex", "--no-progress")
        time.sleep(2.0)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        mid = status(home)
        again = newslink(home, "reindex", "--json", "--no-progress", timeout=1800)
        tracebacks += again.stderr.count("Traceback")
        rows.append(("kill -9 mid-reindex", f"live index {'intact' if mid['index']['documents'] == before['index']['documents'] and mid['index']['generation'] == before['index']['generation'] else 'CHANGED'} ({mid['index']['documents']} docs); rerun exit {again.returncode}, {status(home)['index']['documents']} docs"))
        kb_before = status(home)["kb"]
        outcomes = []
        for delay in (0.3, 0.5, 0.7):  # the starter build takes ~0.9 s in all: killed before, during, near its end
            proc = start(home, "kb", "build")
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kb_now = status(home)["kb"]  # opens, or the status fails
            same = {k: v for k, v in kb_now.items() if k not in ("version", "built_at")} == {k: v for k, v in kb_before.items() if k not in ("version", "built_at")}
            outcomes.append("old KB" if kb_now["version"] == kb_before["version"] else "new KB, complete" if same else "BROKEN")
            kb_before = kb_now
        rows.append(("kill -9 mid-kb build (3 times)", f"{', '.join(outcomes)} ({kb_before['entities']:,} entities)"))

        # 3. a full disk
        full = work / "full-home"
        full.mkdir()
        (full / "kb.sqlite").write_bytes((home / "kb.sqlite").read_bytes())
        grow = work / "grow.jsonl"  # small articles, then long ones: the second commit does not fit
        grow.write_text(jl([{**good("g", i, rng), "text": " ".join(f"{rng.choice(WORDS)}{rng.randint(0, 99999)}" for _ in range(20 if i < 256 else 2000))} for i in range(286)]))
        job = newslink(full, "index", str(grow), "--commit-every", "1", limit=400_000, timeout=1800)
        tracebacks += job.stderr.count("Traceback")
        said = re.search(r"(\d[\d,]*) articles? of this job committed and kept", job.stderr)
        held = status(full)["index"]["documents"]
        lines = [line for line in job.stderr.splitlines() if line.startswith("newslink: error:")]
        rows.append(("disk full during index (RLIMIT_FSIZE)", f"exit {job.returncode}, {len(lines)} error line, says {said.group(1) if said else '?'} kept, index holds {held}"))
    return rows, tracebacks, kept, expected, docs, load


if __name__ == "__main__":
    main()
