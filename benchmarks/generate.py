"""Generate a folder of realistic, synthetic feedpub article files for benchmarks.

    python benchmarks/generate.py --count 10000 --out /tmp/bench-10k [--seed 1]

The files have the shape of the real corpus (``/work/shared/corpus-sample``): YAML front matter between
``---`` lines with title, excerpt, publishedDateTime, webUrl, type, quality, heat, published, provider
(name, domain, images), topics, images, a ``related`` list of nested article summaries and a long
``secured`` string. Sizes are about 5 KB on average (2-35 KB), mostly ``related`` and ``secured``.

Deterministic: each file is drawn from its own random generator seeded by (seed, index), so the same
arguments always give byte-identical files, and the first N files of a larger run equal a run of N.
Standard library only; it does not import feedpub.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import multiprocessing
import os
import random
import re
import sys
import time
from datetime import datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path

STAMP = ".feedpub-bench.json"  # hidden, so feedpub (and Hugo, which never sees it) ignore it
GENERATOR_VERSION = 1

# --- vocabulary -------------------------------------------------------------------------------------

# 40 topics with their relative popularity. Nearly every real article is tagged "AI", so it is by far
# the most common, as in the real corpus.
TOPICS: list[tuple[str, float]] = [
    ("AI", 70), ("Machine Learning", 14), ("Natural Language Processing", 8), ("Computer Vision", 8),
    ("AI in Healthcare", 9), ("AI in Autos", 6), ("AI in Robotics", 5), ("AI Ethics", 5),
    ("AI Hardware", 4), ("AI in Finance", 4), ("IBM AI", 3), ("Facebook AI", 3), ("Microsoft AI", 3),
    ("Google AI", 3), ("AWS AI", 2), ("Deep Learning", 6), ("Reinforcement Learning", 2),
    ("Self-Driving Cars", 4), ("AI in Education", 2), ("AI in Retail", 2), ("AI in Security", 3),
    ("AI in Agriculture", 1), ("AI Policy", 3), ("AI Startups", 4), ("Chatbots", 3),
    ("Speech Recognition", 2), ("Generative AI", 3), ("Large Language Models", 2), ("Edge AI", 1.5),
    ("Quantum Computing", 1.5), ("Data Science", 3), ("Robotic Process Automation", 1.5),
    ("Nvidia AI", 2), ("Apple AI", 1.5), ("OpenAI", 2), ("DeepMind", 1.5), ("AI Research", 4),
    ("AI in Manufacturing", 1.5), ("AI in Marketing", 2), ("Facial Recognition", 2),
]
# Other spellings of some topics, used now and then; feedpub folds each group into one slug.
SPELLINGS: dict[str, list[str]] = {
    "Self-Driving Cars": ["self driving cars", "Self Driving Cars"],
    "Machine Learning": ["machine learning", "Machine-Learning"],
    "Natural Language Processing": ["Natural-Language Processing", "natural language processing"],
    "AI in Healthcare": ["AI in healthcare"],
    "Facial Recognition": ["Facial-Recognition", "facial recognition"],
    "Large Language Models": ["large language models"],
    "AI Ethics": ["AI ethics"],
}

OUTLETS = [
    ("VentureBeat", "venturebeat.com"), ("Wired", "wired.com"), ("ZDNet", "zdnet.com"),
    ("Engadget", "engadget.com"), ("The Verge", "theverge.com"), ("TechCrunch", "techcrunch.com"),
    ("Forbes", "forbes.com"), ("The Financial Times", "ft.com"), ("Reuters", "reuters.com"),
    ("MIT Technology Review", "technologyreview.com"), ("Ars Technica", "arstechnica.com"),
    ("The New York Times", "nytimes.com"), ("BBC News", "bbc.co.uk"), ("The Guardian", "theguardian.com"),
    ("Bloomberg", "bloomberg.com"), ("CNBC", "cnbc.com"), ("Nature", "nature.com"),
    ("Science News", "sciencenews.org"), ("PR Newswire", "prnewswire.com"), ("Business Wire", "businesswire.com"),
    ("GlobeNewswire", "globenewswire.com"), ("Mashable", "mashable.com"), ("Singularity Hub", "singularityhub.com"),
    ("STAT", "statnews.com"), ("Healthcare IT News", "healthcareitnews.com"), ("InfoWorld", "infoworld.com"),
    ("Fast Company", "fastcompany.com"), ("The Next Web", "thenextweb.com"),
    ("Analytics India Magazine", "analyticsindiamag.com"),
    ("Towards Data Science", "towardsdatascience.com"), ("EurekAlert!", "eurekalert.org"), ("Le Monde", "lemonde.fr"),
    ("Süddeutsche Zeitung", "sueddeutsche.de"), ("El País", "elpais.com"), ("Nikkei Asia", "asia.nikkei.com"),
]
_PLACES = [
    "Boston", "Denver", "Austin", "Seattle", "Chicago", "Toronto", "London", "Dublin", "Berlin", "Zürich",
    "Bangalore", "Singapore", "Sydney", "Lagos", "Nairobi", "Montréal", "São Paulo", "Tel Aviv", "Seoul", "Oslo",
]
_MASTHEADS = [
    "Tribune", "Herald", "Daily", "Post", "Tech Report", "Business Journal", "Insider", "Review", "Gazette",
    "Chronicle", "Wire", "Observer", "Times", "Digest", "Ledger",
]
_TLDS = ["com", "com", "com", "net", "org", "io", "co.uk", "de", "ca", "com.au", "in"]

COMPANIES = [
    "Google", "Microsoft", "IBM", "Amazon", "Facebook", "Apple", "Nvidia", "Intel", "OpenAI", "DeepMind",
    "Baidu", "Tencent", "Alibaba", "Samsung", "Tesla", "Waymo", "Uber", "Salesforce", "Oracle", "SAP",
    "Peak.AI", "Paige", "UiPath", "Graphcore", "Cerebras", "SambaNova", "Hugging Face", "DataRobot",
    "C3.ai", "Palantir", "Boston Dynamics", "Zoox", "Aurora", "Mobileye", "Qualcomm", "AMD", "Arm",
]
VERBS = [
    "unveils", "launches", "raises $12 million for", "acquires", "open-sources", "bets on", "expands",
    "partners with researchers on", "warns about", "rethinks", "doubles down on", "pilots", "tests",
    "releases", "details", "patents", "scales up", "cuts the cost of", "explains",
]
THINGS = [
    "a computer vision model", "its speech recognition service", "self-supervised learning",
    "an AI chip", "a chatbot for customer service", "cancer detection with deep learning",
    "a language model", "robotic warehouse picking", "fraud detection", "autonomous trucks",
    "an AI ethics board", "drug discovery", "weather forecasting", "medical imaging",
    "facial recognition", "edge inference", "a data labeling platform", "crop monitoring drones",
    "recommendation systems", "a quantum machine learning library", "code generation",
    "AI-powered translation", "predictive maintenance", "an MLOps toolkit", "protein folding",
]
TAILS = [
    "", "", "", " in Europe", " for hospitals", " amid regulatory scrutiny", " ahead of IPO",
    " as competition heats up", " with 1 billion Instagram photos", " – report", " (video)",
    ": what it means for you", " in 2021", " to bolster enterprise AI adoption", " after pandemic surge",
]
SENTENCES = [
    "{company} today announced that it {verb} {thing}, according to a company statement.",
    "The fresh capital will fuel growth, commercial expansion and R&D, the CEO said in an interview.",
    "Researchers say the approach could cut training costs by as much as {pct}% compared with earlier systems.",
    "Critics warn that the technology is moving faster than the rules meant to govern it.",
    "Up to {pct}% of companies report a {pct2}% failure rate in deploying machine learning models to production.",
    "The model was trained on {num} million examples and evaluated on {num2} public benchmarks.",
    "“We’re only at the beginning,” said a spokesperson, who declined to share revenue figures.",
    "The startup, based in {place}, has raised over ${num} million since its founding in {year}.",
    "Analysts expect the market to reach ${num2} billion by 2025, growing at a CAGR of {pct}%.",
    "Join us for the most important themes in enterprise AI & Data. Learn more.",
    "The company said the system achieves state-of-the-art results on a range of benchmarks.",
    "Regulators in {place} opened an inquiry into how the data was collected and used.",
]


_ASCII = str.maketrans("üéãóÖöíá", "ueaooooa")


def _providers() -> list[tuple[str, str]]:
    """About 300 providers: well-known outlets first, then local and trade titles (fixed, not seeded)."""
    rng = random.Random("feedpub-bench-providers")
    providers = list(OUTLETS)
    seen = {domain for _, domain in providers}
    while len(providers) < 300:
        place, masthead = rng.choice(_PLACES), rng.choice(_MASTHEADS)
        name = f"{place} {masthead}" if rng.random() < 0.7 else f"The {place} {masthead}"
        ascii_place = place.translate(_ASCII).lower().replace(" ", "")
        domain = f"{ascii_place}{masthead.lower().replace(' ', '')}.{rng.choice(_TLDS)}"
        if domain not in seen:
            seen.add(domain)
            providers.append((name, domain))
    return providers


PROVIDERS = _providers()
# Popularity falls off with rank, so a few outlets publish much of the news, as in real aggregators.
PROVIDER_WEIGHTS = [1 / (rank + 1) ** 0.9 for rank in range(len(PROVIDERS))]
_PROVIDER_CUM = list(accumulate(PROVIDER_WEIGHTS))
_TOPIC_NAMES = [name for name, _ in TOPICS]
_TOPIC_CUM = list(accumulate(weight for _, weight in TOPICS))

START = datetime(2019, 1, 1, tzinfo=timezone.utc)
SPAN_MINUTES = 3 * 365 * 24 * 60  # about three years
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


# --- one article ------------------------------------------------------------------------------------


def _q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _slug(text: str) -> str:
    return _SLUG_JUNK.sub("-", text.lower()).strip("-")[:80].rstrip("-")


def _moment(rng: random.Random) -> datetime:
    minutes = rng.randrange(SPAN_MINUTES)
    if rng.random() < 0.08:
        minutes -= minutes % 60  # on the hour: many articles share an instant
    return START + timedelta(minutes=minutes)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:00Z")


def _title(rng: random.Random) -> str:
    return f"{rng.choice(COMPANIES)} {rng.choice(VERBS)} {rng.choice(THINGS)}{rng.choice(TAILS)}"


class _Fill(dict):
    """Values for one sentence template, drawn only for the placeholders it uses."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def __missing__(self, key: str) -> object:
        rng = self.rng
        value = {
            "company": lambda: rng.choice(COMPANIES), "verb": lambda: rng.choice(VERBS),
            "thing": lambda: rng.choice(THINGS), "pct": lambda: rng.randrange(5, 95),
            "pct2": lambda: rng.randrange(20, 80), "num": lambda: rng.randrange(2, 900),
            "num2": lambda: rng.randrange(3, 60), "place": lambda: rng.choice(_PLACES),
            "year": lambda: rng.randrange(2008, 2020),
        }[key]()
        self[key] = value
        return value


def _excerpt(rng: random.Random, sentences: int) -> str:
    text = " ".join(template.format_map(_Fill(rng)) for template in rng.sample(SENTENCES, sentences))
    return text + " ..." if rng.random() < 0.5 else text


def _provider(rng: random.Random) -> tuple[str, str]:
    return rng.choices(PROVIDERS, cum_weights=_PROVIDER_CUM)[0]


def _image_url(rng: random.Random, domain: str, moment: datetime) -> str:
    token = rng.getrandbits(64)
    return f"https://{domain}/wp-content/uploads/{moment:%Y/%m}/{token:016x}.jpg?w=1200&strip=all"


def _urls(domain: str, moment: datetime, slug: str, rng: random.Random) -> tuple[str, str, str]:
    web = f"https://{domain}/{moment:%Y/%m/%d}/{slug}-{rng.getrandbits(40):010x}/"
    amp = web + "amp/"
    cdn = f"https://{domain.replace('.', '-')}.cdn.ampproject.org/c/s/{domain}/{moment:%Y/%m/%d}/{slug}/amp/"
    return web, amp, cdn


def _related(rng: random.Random, around: datetime, compact: bool) -> str:
    """One nested article summary, 250-1,100 bytes, like the entries of a real ``related:`` list."""
    title = _title(rng)
    name, domain = _provider(rng)
    moment = around + timedelta(minutes=rng.randrange(-3 * 24 * 60, 3 * 24 * 60))
    web, amp, cdn = _urls(domain, moment, _slug(title), rng)
    lines = [
        f"  - title: {_q(title)}",
        f"    publishedDateTime: {_iso(moment)}",
        f"    webUrl: {_q(web)}",
    ]
    if compact:
        return "\n".join(lines + ["    provider:", f"      name: {name}", f"      domain: {domain}"])
    lines.insert(1, f"    excerpt: {_q(_excerpt(rng, rng.randint(1, 3)))}")
    if rng.random() < 0.6:
        lines += [f"    ampWebUrl: {_q(amp)}", f"    cdnAmpWebUrl: {_q(cdn)}"]
    lines += ["    type: article", "    provider:", f"      name: {name}", f"      domain: {domain}"]
    if rng.random() < 0.8:
        lines.append(f"    quality: {rng.randrange(0, 100)}")
    if rng.random() < 0.7:
        width = rng.choice((640, 800, 1024, 1200, 2000, 2400))
        lines += [
            "    images:",
            f"      - url: {_q(_image_url(rng, domain, moment))}",
            f"        width: {width}",
            f"        height: {width * rng.choice((9, 10, 12)) // 16}",
        ]
    return "\n".join(lines)


def _topics(rng: random.Random) -> list[str]:
    count = rng.choices((1, 2, 3, 4), weights=(30, 40, 20, 10))[0]
    picked: list[str] = []
    if rng.random() < 0.7:
        picked.append("AI")
    while len(picked) < count:
        name = rng.choices(_TOPIC_NAMES, cum_weights=_TOPIC_CUM)[0]
        if name not in picked:
            picked.append(name)
    return [rng.choice(SPELLINGS[n]) if n in SPELLINGS and rng.random() < 0.15 else n for n in picked]


def article(seed: int, index: int) -> tuple[str, str]:
    """The file name and text of article ``index`` for ``seed``; the same inputs always give the same."""
    rng = random.Random(seed * 1_000_003 + index)
    # Target size: log-normal around 4.2 KB (mean about 5 KB), kept within 2-35 KB.
    target = min(35_000, int(rng.lognormvariate(math.log(4_200), 0.5)))
    if target < 2_000:
        target = 2_000 + rng.randrange(1_500)
    moment = _moment(rng)
    title = _title(rng)
    name, domain = _provider(rng)
    slug = _slug(title)
    web, amp, cdn = _urls(domain, moment, slug, rng)
    compact = target < 3_300  # small files: the short form real files without amp links or images have
    reserve = 300 if compact else 700  # bytes kept for 'secured'
    lines = [
        "---",
        "category: news",
        f"title: {_q(title)}",
        f"excerpt: {_q(_excerpt(rng, 1 if compact else rng.randint(1, 3)))}",
        f"publishedDateTime: {_iso(moment)}",
    ]
    if rng.random() < 0.05:
        lines.append(f"updatedDateTime: {_iso(moment + timedelta(hours=rng.randrange(1, 72)))}")
    if rng.random() < 0.3:
        lines.append(f"originalUrl: {_q(web.replace('https://', 'https://www.'))}")
    lines.append(f"webUrl: {_q(web)}")
    if not compact:
        lines += [f"ampWebUrl: {_q(amp)}", f"cdnAmpWebUrl: {_q(cdn)}"]
    lines.append("type: " + rng.choices(("article", "video", "book"), weights=(95, 3, 2))[0])
    if rng.random() < 0.85:
        lines.append(f"quality: {rng.randrange(0, 100)}")
    if rng.random() < 0.45:
        lines.append("heat: -1")
    elif rng.random() < 0.9:
        lines.append(f"heat: {min(500, int((rng.paretovariate(1.1) - 1) * 25))}")
    roll = rng.random()
    if roll < 0.10:
        lines.append("published: false")
    elif roll < 0.70:
        lines.append("published: true")  # the rest (30 %) have no 'published' key at all
    lines += [
        "",
        "provider:",
        f"  name: {name}",
        f"  domain: {domain}",
    ]
    if not compact:
        lines += [
            "  images:",
            f'    - url: "https://smartableai.github.io/artificial-intelligence/assets/images/organizations/{domain}-50x50.jpg"',
            "      width: 50",
            "      height: 50",
        ]
    lines += ["", "topics:"]
    lines += [f"  - {topic}" for topic in _topics(rng)]
    if not compact and rng.random() < 0.9:
        width = rng.choice((800, 1024, 1200, 2000))
        lines += [
            "",
            "images:",
            f"  - url: {_q(_image_url(rng, domain, moment))}",
            f"    width: {width}",
            f"    height: {width * 9 // 16}",
        ]
        if rng.random() < 0.3:
            lines.append("    isCached: true")
    lines += ["", "related:"]
    size = sum(len(line) + 1 for line in lines)
    related = 0
    while related < 15:
        item = _related(rng, moment, compact)
        if related >= 3 and size + len(item) > target - reserve:
            break
        lines.append(item)
        size += len(item) + 1
        related += 1
    # 'secured' fills the rest: base64 text with a short IV, like the real files.
    body_chars = max(reserve - 100, target - size - 40)
    raw = rng.randbytes(body_chars * 3 // 4)
    iv = base64.b64encode(rng.randbytes(16)).decode("ascii")
    lines += ["", f'secured: "{base64.b64encode(raw).decode("ascii")};{iv}"', "---", ""]
    filename = f"{moment:%Y-%m-%d}-{slug[:60].rstrip('-')}-{index:07d}.md"
    return filename, "\n".join(lines)


# --- the folder -------------------------------------------------------------------------------------


def _write_range(out: Path, seed: int, start: int, stop: int) -> int:
    total = 0
    for index in range(start, stop):
        name, text = article(seed, index)
        data = text.encode("utf-8")
        with open(out / name, "wb") as handle:
            handle.write(data)
        total += len(data)
    return total


def generate(out: Path, count: int, seed: int, jobs: int | None = None) -> tuple[int, int]:
    """Write ``count`` articles into ``out`` using ``jobs`` processes; returns (files, bytes).

    Every file depends only on (seed, index), so the result is the same for any number of jobs.
    """
    out.mkdir(parents=True, exist_ok=True)
    jobs = max(1, min(jobs or os.cpu_count() or 1, count // 2000 or 1))
    if jobs == 1:
        total = _write_range(out, seed, 0, count)
    else:
        step = 1000
        ranges = [(out, seed, start, min(start + step, count)) for start in range(0, count, step)]
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            total = sum(pool.starmap(_write_range, ranges))
    stamp = {"generator": GENERATOR_VERSION, "count": count, "seed": seed}
    (out / STAMP).write_text(json.dumps(stamp, sort_keys=True) + "\n", encoding="utf-8")
    return count, total


def stamp_of(folder: Path) -> dict | None:
    """The parameters a folder was generated with, or None when it was not made by this script."""
    try:
        return json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ensure(folder: Path, count: int, seed: int, quiet: bool = False) -> None:
    """Generate ``folder`` unless it already holds exactly this generation (refuses foreign folders)."""
    wanted = {"generator": GENERATOR_VERSION, "count": count, "seed": seed}
    if stamp_of(folder) == wanted:
        return
    if folder.exists() and any(folder.iterdir()):
        if stamp_of(folder) is None:
            raise SystemExit(f"{folder} is not empty and was not made by generate.py; choose another folder")
        _clear(folder)
    started = time.perf_counter()
    files, size = generate(folder, count, seed)
    if not quiet:
        seconds = time.perf_counter() - started
        print(f"generated {files:,} files ({size / 1e6:.1f} MB) in {folder} in {seconds:.1f} s", file=sys.stderr)


def _clear(folder: Path) -> None:
    """Remove a previous generation: only the .md files, the stamp this script writes and feedpub's archive
    ledger (which describes the old articles)."""
    for entry in os.scandir(folder):
        if entry.is_file() and (entry.name.endswith(".md") or entry.name in (STAMP, ".feedpub-archives.json")):
            os.unlink(entry.path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, required=True, help="number of article files")
    parser.add_argument("--out", type=Path, required=True, help="folder to write them to")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--jobs", type=int, help="processes to write with (default: one per CPU)")
    parser.add_argument(
        "--force", action="store_true",
        help="replace an earlier generation in --out (only its .md files are removed)",
    )
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be 0 or more")
    if args.out.exists() and any(args.out.iterdir()):
        if not args.force:
            parser.error(f"{args.out} is not empty; pass --force to replace an earlier generation")
        if stamp_of(args.out) is None:
            parser.error(f"{args.out} was not made by generate.py; refusing to remove anything in it")
        _clear(args.out)
    started = time.perf_counter()
    files, size = generate(args.out, args.count, args.seed, args.jobs)
    seconds = time.perf_counter() - started
    print(
        f"wrote {files:,} files, {size / 1e6:.1f} MB (mean {size / max(files, 1) / 1000:.1f} KB), "
        f"to {args.out} in {seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
